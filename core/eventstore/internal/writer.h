#pragma once
// The group-commit writer: the one thread that appends to the log. Internal to
// core/eventstore; callers go through EventStore.
//
// Each round the thread takes everything queued (up to max_batch_events), decides each
// transaction in order (duplicates, event id conflicts, expected versions) against the
// stream heads it keeps, stages the ones that pass into one WriteBatch, writes it with
// sync = true, and then completes every transaction of the round. A transaction that
// fails its checks is refused alone; the others commit.
//
// A failed write makes the writer refuse appends. When the disk was full (reason
// disk_full) it tries, at most once a second and whether or not appends arrive, to
// resume the database (LogDb::resume); once that works it takes appends again, from the
// position after the last durable one. Any other failure, or a resume that fails for
// another reason, is for good (reason storage_failed): the store must be reopened.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <memory>
#include <thread>

#include <rocksdb/write_batch.h>

#include "core/eventstore/internal/log_db.h"
#include "core/eventstore/internal/stream_head_cache.h"
#include "core/eventstore/options.h"
#include "core/eventstore/status.h"
#include "core/eventstore/types.h"

namespace mailbox::eventstore {

class Writer {
 public:
  // Called on the writer thread when a transaction is durable or refused.
  // REQUIRES: must not throw, must not block (it delays every later append).
  using Completion = std::function<void(Result<TransactionResult>)>;
  // Called on the writer thread after each durable batch with the new head position.
  using CommitListener = std::function<void(std::uint64_t head)>;
  // Called on the writer thread when a segment is written (the new head) or refused.
  using SegmentCompletion = std::function<void(Result<std::uint64_t>)>;

  Writer(LogDb& db, const StoreOptions& options, std::uint64_t last_position, CommitListener on_commit);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues a transaction. Thread-safe. done runs exactly once: on the writer thread,
  // or on the calling thread before submit returns when the transaction is malformed,
  // the queue is full (options.max_pending_events) or the writer is stopped.
  void submit(Transaction txn, Completion done);
  // Queues a segment copied from another store (EventStore::apply_segment); it is
  // written in a round of its own. done runs exactly once, as for submit.
  void submit_segment(LogSegment segment, SegmentCompletion done);
  // Commits what is queued, then ends the thread. Later submits fail with unavailable.
  void stop();
  // Whether an append of that many events would be queued now (max_pending_events).
  bool has_room(std::size_t events) const;
  WriterStats stats() const;
  // The storage error that makes the writer refuse appends, while it does. Thread-safe.
  std::optional<Error> failure() const;

 private:
  struct Pending {
    Transaction txn;
    Completion done;
    std::unique_ptr<LogSegment> segment;  // instead of txn: a copied segment
    SegmentCompletion segment_done;
  };
  struct Round;  // one group commit's decisions and WriteBatch (writer.cc)

  void run();
  // One group commit: decide and stage each transaction, write, complete.
  void process(std::deque<Pending>& batch);
  // Checks transaction t of the round against the log and the round so far: returns
  // false (with its error recorded) when it is refused. Writes nothing.
  bool decide(Round& round, std::size_t t);
  // Puts a decided transaction's events, index rows and checkpoints into the batch.
  void stage(Round& round, std::size_t t);
  // Writes a copied segment in a round of its own.
  void process_segment(Pending& pending);
  // Writes the batch durably. On failure the writer refuses appends from then on.
  std::optional<Error> write(Round& round);
  // Writes wb with sync; on failure records it (failed_, failure_) and returns it.
  std::optional<Error> write_synced(rocksdb::WriteBatch& wb);
  // Records a failure: failed_, failure_, on_failure.
  void set_failed(Error e);
  // After a full disk, and at most once per kResumeEvery: resumes the database; true when
  // the writer takes appends again.
  bool try_resume();
  // Runs every transaction's completion with its result.
  void complete(Round& round, const std::optional<Error>& write_error);

  Result<std::uint64_t> current_version(const std::string& stream);
  // Whether a stored event (found by its id in the dedupe index) is the one `event`
  // would append to `stream` (its payload compared too unless by_type_only);
  // already_exists when it is another event.
  Status check_stored_event(const EventId& id, const AppendResult& stored, std::string_view stream,
                            const NewEvent& event, bool by_type_only);

  LogDb& db_;
  const StoreOptions options_;
  // Writer thread only:
  std::uint64_t next_position_;
  StreamHeadCache heads_;
  std::optional<Error> failed_;  // set after a storage write error; appends refused while set
  std::chrono::steady_clock::time_point next_resume_;  // the earliest next try_resume()

  // Shared with submitters, guarded by mutex_:
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  std::size_t queued_events_ = 0;  // events of queue_
  // Whether that many more events stay within max_pending_events (an empty queue takes
  // any transaction). REQUIRES: mutex_ held.
  bool fits(std::size_t events) const;
  bool stopping_ = false;

  // Shared with readers of failure(), guarded by failure_mutex_ (a copy of failed_).
  mutable std::mutex failure_mutex_;
  std::optional<Error> failure_;

  CommitListener on_commit_;
  std::atomic<std::uint64_t> batches_{0}, transactions_{0}, events_{0}, write_micros_{0}, id_lookups_{0};
  std::thread thread_;
};

// Checks a transaction's shape: names, non-empty events and types, no repeated stream
// or event id. Cheap; runs on the caller's thread.
Status validate(const Transaction& txn);

}  // namespace mailbox::eventstore
