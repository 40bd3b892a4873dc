#pragma once
// The event store: one durable, append-only log of events, grouped into streams.
//
// Appends go through one writer thread that commits everything queued in one synced
// RocksDB WriteBatch (group commit). An append is acknowledged only once it is on disk.
// Global positions are 1, 2, 3, ... without gaps, in commit order.
//
// Thread-safety: every method may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/eventstore/options.h"
#include "core/eventstore/status.h"
#include "core/eventstore/types.h"
#include "core/eventstore/watermark.h"

namespace mailbox::eventstore {

class LogDb;
class Writer;

class EventStore {
 public:
  using AppendCallback = std::function<void(Result<AppendResult>)>;
  using CommitCallback = std::function<void(Result<TransactionResult>)>;

  // Opens the log at path (a folder), creating it if allowed. Recovery after a crash
  // reads only the last log key: it costs the same whatever the log's size.
  // Errors: not_found (no log and create_if_missing is false), invalid_argument (the
  // folder holds another database), unavailable (another process holds the folder).
  static Result<std::unique_ptr<EventStore>> open(const std::string& path,
                                                  const StoreOptions& options = {});
  // Commits whatever is queued, then closes.
  ~EventStore();
  // Commits whatever is queued (running its completions), then refuses every later
  // append with unavailable; reads go on. For an orderly shutdown of whoever owns the
  // completions. Idempotent; from any thread but a completion.
  void stop_appends();
  EventStore(const EventStore&) = delete;
  EventStore& operator=(const EventStore&) = delete;

  // ---- Appends -------------------------------------------------------------------
  // Appends events to one stream if its version matches expected. Blocks until the
  // events are durable. Errors: aborted (version mismatch; current_version is set),
  // invalid_argument (malformed request, or event ids partly stored by another append),
  // already_exists (an event id is stored for another event: another stream, type or
  // payload), unavailable (store closed, or refusing appends after a storage write
  // error). An event id stored before for this same event (stream, type and payload)
  // makes the call return the original result with duplicate = true and write nothing.
  Result<AppendResult> append(std::string stream, ExpectedVersion expected, std::vector<NewEvent> events);
  // As append, without blocking: done runs on the writer thread once durable or refused
  // (or on this thread, before returning, for a malformed request or a closed store).
  // REQUIRES: done neither throws nor blocks; it must not wait for another append.
  void append_async(StreamAppend request, AppendCallback done);
  std::future<Result<AppendResult>> append_future(StreamAppend request);

  // Appends to several streams and writes checkpoints in one atomic batch: all of it
  // is committed or none. Every stream's expected version must match; a stream whose
  // events are already stored (same ids, same events) counts as done and returns its
  // original result.
  Result<TransactionResult> commit(Transaction txn);
  void commit_async(Transaction txn, CommitCallback done);
  // Whether the writer's queue has room for an append of that many events now
  // (options.max_pending_events). A hint: a later append may still find it full.
  bool has_room(std::size_t events = 1) const;

  // ---- Reads ---------------------------------------------------------------------
  // The last released position (0 for an empty log): what may be acted on, shown and
  // confirmed. It is the durable head, unless releases are held (synchronous
  // replication): then it is the last position a replicator has released. Reads of the
  // log in order (scan_log, read_log) never return events past it; point reads
  // (read_stream, read_event, find_event, read_segment) return every durable event.
  std::uint64_t head() const;
  // The last durable position: head() or past it.
  std::uint64_t durable_head() const { return durable_.get(); }
  // Up to max_count events with position >= from, in order.
  Result<std::vector<RecordedEvent>> read_log(std::uint64_t from, std::size_t max_count) const;
  // Visits events with position >= from in order, up to max_count, while visit returns true.
  Status scan_log(std::uint64_t from, std::size_t max_count,
                  const std::function<bool(RecordedEvent&&)>& visit) const;
  // The same, visiting only the events whose type wanted accepts; the others are
  // verified and passed without being decoded, and count towards max_count too.
  // Returns the last position passed: visited with true, or not wanted (from - 1 when
  // none).
  Result<std::uint64_t> scan_log(std::uint64_t from, std::size_t max_count, const TypeFilter& wanted,
                                 const std::function<bool(RecordedEvent&&)>& visit) const;
  // Up to max_count events of one stream with version >= from_version, in order.
  Result<std::vector<RecordedEvent>> read_stream(std::string_view stream, std::uint64_t from_version,
                                                 std::size_t max_count) const;
  Result<RecordedEvent> read_event(std::uint64_t position) const;
  // The number of events in the stream (0: no such stream).
  Result<std::uint64_t> stream_version(std::string_view stream) const;
  // The event that an append stored under this (caller-supplied) event id, if any.
  // Cost: two point reads, and a short scan for a multi-event append.
  Result<std::optional<RecordedEvent>> find_event(const EventId& id) const;
  // The position stored under a checkpoint name, if any.
  Result<std::optional<std::uint64_t>> checkpoint(std::string_view name) const;

  // ---- Subscriptions -------------------------------------------------------------
  // Blocks until head() >= position or the timeout passes; returns head() >= position.
  bool wait_for(std::uint64_t position, std::chrono::milliseconds timeout) const;
  // The durable head as a watermark: followers wait on it and subscribe to it. Its
  // listeners run on the writer thread after each durable batch, after head() has
  // moved, with everything up to the new head readable.
  // REQUIRES of listeners: quick, never block or append; typically they wake a thread.
  const Watermark& committed() const { return head_; }
  using Subscription = Watermark::Subscription;
  Subscription subscribe(Watermark::Listener on_commit) { return head_.subscribe(std::move(on_commit)); }
  // The durable head as a watermark (the replicator's, which ships what is durable).
  const Watermark& durable() const { return durable_; }

  // ---- Releases (synchronous replication) --------------------------------------------
  // From now on a commit moves durable_head() only, and head() moves by release(). Once
  // held, held for good. REQUIRES: called before any append it should hold back.
  void hold_releases() { held_.store(true, std::memory_order_release); }
  bool releases_held() const { return held_.load(std::memory_order_acquire); }
  // Moves head() to position, never backwards; past durable_head() only once that is
  // durable (the writer's commit then moves it). Listeners of committed() run on the
  // thread that moves it. Does nothing unless releases are held.
  void release(std::uint64_t position);

  // ---- Copies ----------------------------------------------------------------------
  // Writes a consistent copy of the log, as of one commit, into dir, and returns the
  // last position it holds (it holds every position from 1 to that one, with their
  // streams, ids and checkpoints). Appends go on meanwhile. The copy is an ordinary log
  // folder: open() opens it. Its table files are hard links to this log's when dir is
  // on the same file system (RocksDB never changes a table file; they cost space once
  // this log compacts them away), copies otherwise.
  // REQUIRES: dir does not exist; its parent does. Errors: invalid_argument (dir exists,
  // or this store is read-only), unavailable (an I/O error, e.g. a full disk).
  Result<std::uint64_t> copy_to(const std::string& dir) const;

  // ---- Read-only instances ---------------------------------------------------------
  // With StoreOptions::read_only: picks up what the writing process has committed
  // since, and moves head(). Does nothing on a writable store.
  Status refresh();

  // ---- Copying the log (replication) ------------------------------------------------
  // Events from position `from` on, as stored, read in one snapshot: at most max_events
  // and about max_bytes of envelopes (at least one event), with their dedupe rows, and
  // every checkpoint when the segment reaches the snapshot's head. Without envelopes
  // when from is past the head; then with the checkpoints when from is head + 1.
  Result<LogSegment> read_segment(std::uint64_t from, std::size_t max_events, std::size_t max_bytes) const;
  // Writes a segment read from another store at the same positions, through the writer
  // (one synced batch): envelopes already present (up to head()) are skipped, the rest
  // must start at head() + 1. Every envelope is verified (position, stream version)
  // before anything is written. Checkpoints are written when the segment ends at or
  // past head(), each only if it moves forward. Returns the new head. Errors: invalid_argument (a gap,
  // or an envelope that does not fit), corruption, unavailable. Not to be mixed with
  // appends from this process: a store is either written by its own appends or a copy.
  Result<std::uint64_t> apply_segment(LogSegment segment);

  // Removes every event from position `from` on from the log at path, which no process
  // has open: their log, stream and dedupe rows, and every checkpoint at or past `from`
  // (a copy gets them back from where it copies). For a fenced writer made a replica,
  // whose log left the stream there. visit sees each removed event first. Returns how
  // many were removed. Errors: open's, invalid_argument (from is 0), unavailable.
  static Result<std::uint64_t> cut_tail(const std::string& path, std::uint64_t from, const StoreOptions& options,
                                        const std::function<void(const RecordedEvent&)>& visit);

  // Decodes an envelope as stored (read_segment's, or a copy's). Errors: corruption.
  static Result<RecordedEvent> decode_stored(std::string_view envelope);

  // Counters of the writer (zero when read-only).
  WriterStats writer_stats() const;
  // The storage error for which the store refuses every append, while it does
  // (Code::unavailable): reason "disk_full" after a write failed for want of space, until
  // the writer resumes the database by itself (it tries every second) once there is
  // room; reason "storage_failed" after any other failed write, or a resume that failed
  // otherwise, until the store is reopened. None while it works.
  std::optional<Error> failure() const;

 private:
  EventStore() = default;

  // head_ follows min(release target, durable head) while releases are held; both
  // release() and the writer's commit move it, under release_mutex_, so neither a
  // release that asks past the durable head nor a commit after it is missed.
  void advance_released();

  Watermark head_;     // released
  Watermark durable_;  // committed and synced
  std::atomic<bool> held_{false};
  std::mutex release_mutex_;
  std::uint64_t release_target_ = 0;  // guarded by release_mutex_
  std::unique_ptr<LogDb> db_;
  std::unique_ptr<Writer> writer_;
};

}  // namespace mailbox::eventstore
