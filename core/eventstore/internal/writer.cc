#include "core/eventstore/internal/writer.h"

#include <rocksdb/write_batch.h>

#include <chrono>
#include <cstring>
#include <unordered_map>
#include <unordered_set>

#include "core/eventstore/internal/envelope_codec.h"
#include "core/eventstore/internal/keys.h"
#include "core/eventstore/internal/log_segments.h"
#include "core/thread_name.h"

namespace mailbox::eventstore {

namespace {

struct IdHash {
  std::size_t operator()(const EventId& id) const {
    std::uint64_t a, b;
    std::memcpy(&a, id.data(), 8);
    std::memcpy(&b, id.data() + 8, 8);
    return a ^ (b * 0x9e3779b97f4a7c15ULL);
  }
};

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

std::int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

rocksdb::Slice slice(const EventId& id) { return {reinterpret_cast<const char*>(id.data()), id.size()}; }

// Whether b is the event a stored under the same id: same type, and same payload unless
// by_type_only (Transaction::each_event_once).
bool same_event(const NewEvent& a, const NewEvent& b, bool by_type_only) {
  return a.type == b.type && (by_type_only || a.payload == b.payload);
}

// How often the writer tries to resume after a full disk.
constexpr std::chrono::seconds kResumeEvery{1};

bool is_disk_full(const std::optional<Error>& e) { return e && e->reason == "disk_full"; }

}  // namespace

Status validate(const Transaction& txn) {
  if (txn.streams.empty() && txn.checkpoints.empty())
    return fail(Code::invalid_argument, "a transaction needs at least one stream append or checkpoint");
  std::unordered_set<std::string_view> streams;
  std::unordered_set<EventId, IdHash> ids;
  for (const auto& part : txn.streams) {
    if (!keys::valid_name(part.stream))
      return fail(Code::invalid_argument, "stream name must be 1 to 1024 bytes without a NUL byte");
    if (!streams.insert(part.stream).second)
      return fail(Code::invalid_argument, "stream '" + part.stream + "' appears twice in one transaction");
    if (part.events.empty())
      return fail(Code::invalid_argument, "an append to '" + part.stream + "' needs at least one event");
    for (const auto& e : part.events) {
      if (e.type.empty() || e.type.size() > keys::kMaxNameBytes)
        return fail(Code::invalid_argument, "event type must be 1 to 1024 bytes");
      if (e.id) {
        if (is_nil(*e.id)) return fail(Code::invalid_argument, "event id must not be all zero");
        if (!ids.insert(*e.id).second)
          return fail(Code::invalid_argument, "event id " + to_string(*e.id) + " appears twice");
      }
    }
  }
  for (const auto& cp : txn.checkpoints)
    if (!keys::valid_name(cp.name))
      return fail(Code::invalid_argument, "checkpoint name must be 1 to 1024 bytes without a NUL byte");
  return {};
}

namespace {

// Where a part's result comes from once the round is decided.
struct PartOutcome {
  AppendResult result;              // final, unless ref_txn >= 0
  int ref_txn = -1, ref_part = -1;  // a duplicate of a part committed earlier in this round
};

struct TxnOutcome {
  std::optional<Error> error;  // refused
  bool refused_by_round = false;  // refused for clashing with a transaction of this round
  bool writes = false;         // contributes to the WriteBatch
  std::vector<PartOutcome> parts;
  std::vector<bool> is_new;          // per part: appends new events
  std::vector<std::uint64_t> base;   // per part: the stream's version before them
  // Per part, for Transaction::each_event_once: its events stored already, left out
  // (empty: none).
  std::vector<std::vector<bool>> stored;
};

// Where an event id supplied in this round sits: transaction, part, event.
struct EventRef {
  std::size_t txn, part, event;
};

}  // namespace

struct Writer::Round {
  Round(std::deque<Pending>& b, std::uint64_t next_position)
      : batch(b), outcomes(b.size()), timestamp(now_micros()), next(next_position) {}
  std::deque<Pending>& batch;
  std::vector<TxnOutcome> outcomes;
  rocksdb::WriteBatch wb;
  EnvelopeEncoder encoder;
  const std::int64_t timestamp;
  std::uint64_t next;  // the position the next staged event gets
  // Versions of streams appended to in this round (names viewed in batch), and the ids
  // it stores.
  std::unordered_map<std::string_view, std::uint64_t, StringHash, std::equal_to<>> overlay;
  std::unordered_map<EventId, EventRef, IdHash> ids;
  std::vector<RecentDedupeRows::Placed> placed;  // the dedupe rows written, by position
  std::uint64_t events = 0, txns = 0;
};

Writer::Writer(LogDb& db, const StoreOptions& options, std::uint64_t last_position, CommitListener on_commit)
    : db_(db),
      options_(options),
      next_position_(last_position + 1),
      heads_(options.stream_head_cache_capacity),
      on_commit_(std::move(on_commit)) {
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, "writer");
}

Writer::~Writer() { stop(); }

namespace {

std::size_t event_count(const Transaction& txn) {
  std::size_t n = 0;
  for (const auto& part : txn.streams) n += part.events.size();
  return n;
}

}  // namespace

void Writer::submit(Transaction txn, Completion done) {
  if (auto ok = validate(txn); !ok) {
    done(std::unexpected(ok.error()));
    return;
  }
  const std::size_t events = event_count(txn);
  const std::size_t bound = options_.max_pending_events;
  std::optional<std::size_t> full;  // the events waiting, when this one does not fit
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && txn.checkpoints.empty() && !fits(events)) full = queued_events_;
    else if (!stopping_) {
      queued_events_ += events;
      queue_.push_back(Pending{std::move(txn), std::move(done)});
      if (queue_.size() == 1) wake_.notify_one();
      return;
    }
  }
  if (full) {
    done(fail_because(Code::resource_exhausted, "overloaded",
                      "the log's writer has " + std::to_string(*full) + " events waiting (at most " +
                          std::to_string(bound) + "); try again"));
    return;
  }
  done(fail(Code::unavailable, "the event store is closed"));
}

void Writer::submit_segment(LogSegment segment, SegmentCompletion done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      Pending pending;
      pending.segment = std::make_unique<LogSegment>(std::move(segment));
      pending.segment_done = std::move(done);
      queue_.push_back(std::move(pending));
      if (queue_.size() == 1) wake_.notify_one();
      return;
    }
  }
  done(fail(Code::unavailable, "the event store is closed"));
}

bool Writer::has_room(std::size_t events) const {
  std::lock_guard lock(mutex_);
  return fits(events);
}

bool Writer::fits(std::size_t events) const {
  const std::size_t bound = options_.max_pending_events;
  return bound == 0 || queue_.empty() || queued_events_ + events <= bound;
}

void Writer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

std::optional<Error> Writer::failure() const {
  std::lock_guard lock(failure_mutex_);
  return failure_;
}

WriterStats Writer::stats() const {
  return {batches_.load(std::memory_order_relaxed), transactions_.load(std::memory_order_relaxed),
          events_.load(std::memory_order_relaxed), write_micros_.load(std::memory_order_relaxed),
          id_lookups_.load(std::memory_order_relaxed)};
}

void Writer::run() {
  std::deque<Pending> batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (is_disk_full(failed_)) {
        // Try to resume now and then, so that the store is well again (and says so)
        // before the next append arrives.
        wake_.wait_for(lock, kResumeEvery, [&] { return stopping_ || !queue_.empty(); });
        if (!stopping_ && queue_.empty()) {
          lock.unlock();
          (void)try_resume();
          continue;
        }
      } else {
        wake_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      }
      if (queue_.empty()) return;  // stopping, and everything queued is committed
      std::size_t events = 0;
      // A copied segment goes in a round of its own.
      while (!queue_.empty() && (batch.empty() || events < options_.max_batch_events) &&
             (batch.empty() || !queue_.front().segment) && (batch.empty() || !batch.front().segment)) {
        if (queue_.front().segment) {
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
          continue;
        }
        const std::size_t these = event_count(queue_.front().txn);
        events += these;
        queued_events_ -= these;
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    if (batch.front().segment) process_segment(batch.front());
    else process(batch);
    batch.clear();
  }
}

Result<std::uint64_t> Writer::current_version(const std::string& stream) {
  if (auto v = heads_.get(stream)) return *v;
  auto v = db_.stream_version(stream);
  if (v) heads_.put(stream, *v);
  return v;
}

Status Writer::check_stored_event(const EventId& id, const AppendResult& stored, std::string_view stream,
                                  const NewEvent& event, bool by_type_only) {
  auto found = db_.event_with_id(id, stored);
  if (!found) return std::unexpected(found.error());
  if (found->stream != stream || found->type != event.type || (!by_type_only && found->payload != event.payload))
    return fail(Code::already_exists, "event id " + to_string(id) + " is already stored for another event (" +
                                          found->type + " at position " + std::to_string(found->position) +
                                          " of stream '" + found->stream + "')");
  return {};
}

void Writer::process(std::deque<Pending>& batch) {
  if (failed_ && !try_resume()) {
    for (auto& p : batch) p.done(std::unexpected(*failed_));
    return;
  }
  Round round(batch, next_position_);
  for (std::size_t t = 0; t < batch.size(); ++t)
    if (decide(round, t)) stage(round, t);
  const std::optional<Error> write_error = write(round);
  complete(round, write_error);
}

bool Writer::decide(Round& round, std::size_t t) {
  const Transaction& txn = round.batch[t].txn;
  TxnOutcome& out = round.outcomes[t];
  out.parts.resize(txn.streams.size());
  out.is_new.assign(txn.streams.size(), false);
  out.base.assign(txn.streams.size(), 0);
  auto version_of = [&](const StreamAppend& part) -> Result<std::uint64_t> {
    if (auto it = round.overlay.find(part.stream); it != round.overlay.end()) return it->second;
    if (part.expected.kind == ExpectedVersion::Kind::fresh) {
      // New by its caller's word: checked against the streams known in memory only.
      if (auto cached = heads_.get(part.stream)) return *cached;
      return std::uint64_t{0};
    }
    return current_version(part.stream);
  };

  for (std::size_t p = 0; p < txn.streams.size(); ++p) {
    const StreamAppend& part = txn.streams[p];
    // Event ids stored before (in the log or earlier in this round) make the part a
    // duplicate, when they name this very append; anything else is refused.
    std::size_t supplied = 0, found = 0;
    std::optional<PartOutcome> first_found;
    bool consistent = true;
    std::vector<bool> stored_events;  // for each_event_once; sized at the first event found stored
    for (std::size_t i = 0; i < part.events.size(); ++i) {
      const NewEvent& e = part.events[i];
      if (!e.id) continue;
      ++supplied;
      PartOutcome here;
      if (auto it = round.ids.find(*e.id); it != round.ids.end()) {
        const EventRef ref = it->second;
        const StreamAppend& earlier = round.batch[ref.txn].txn.streams[ref.part];
        if (earlier.stream != part.stream || !same_event(earlier.events[ref.event], e, txn.each_event_once)) {
          out.error = fail(Code::already_exists, "event id " + to_string(*e.id) +
                                                     " is already taken by another event of this commit")
                          .error();
          out.refused_by_round = true;  // taken only if the round's write succeeds
          return false;
        }
        here.ref_txn = static_cast<int>(ref.txn);
        here.ref_part = static_cast<int>(ref.part);
      } else {
        if (txn.ids_are_new) continue;  // not stored: the caller's word (Transaction)
        id_lookups_.fetch_add(1, std::memory_order_relaxed);
        EventId stored_id = *e.id;
        auto stored = db_.find_event_id(stored_id);
        if (stored && !*stored && e.legacy_id) {
          id_lookups_.fetch_add(1, std::memory_order_relaxed);
          stored_id = *e.legacy_id;
          stored = db_.find_event_id(stored_id);
        }
        if (!stored) {
          out.error = stored.error();
          return false;
        }
        if (!*stored) continue;
        if (auto same = check_stored_event(stored_id, **stored, part.stream, e, txn.each_event_once); !same) {
          out.error = same.error();
          if (stored_id != *e.id) out.error->message.insert(0, "event id " + to_string(*e.id) + ", by its legacy id: ");
          return false;
        }
        here.result = **stored;
      }
      ++found;
      if (txn.each_event_once) {
        stored_events.resize(part.events.size(), false);
        stored_events[i] = true;
      }
      if (!first_found) first_found = here;
      else if (first_found->ref_txn != here.ref_txn || first_found->ref_part != here.ref_part ||
               first_found->result != here.result)
        consistent = false;
    }
    if (found > 0) {
      if (found == supplied && (consistent || txn.each_event_once)) {
        out.parts[p] = *first_found;  // stored already (for each_event_once, perhaps by several appends)
        continue;
      }
      if (!txn.each_event_once) {
        out.error = fail(Code::invalid_argument, "some event ids of the append to '" + part.stream +
                                                     "' were already stored by a different append")
                        .error();
        return false;
      }
      out.stored.resize(txn.streams.size());
      out.stored[p] = std::move(stored_events);  // the others are appended
    }
    auto current = version_of(part);
    if (!current) {
      out.error = current.error();
      return false;
    }
    if (!part.expected.matches(*current)) {
      std::string want = part.expected.kind == ExpectedVersion::Kind::no_stream ||
                                 part.expected.kind == ExpectedVersion::Kind::fresh
                             ? "no stream"
                             : "version " + std::to_string(part.expected.version);
      out.error = fail(Code::aborted,
                       "stream '" + part.stream + "' is at version " + std::to_string(*current) + ", expected " + want,
                       *current)
                      .error();
      return false;
    }
    out.is_new[p] = true;
    out.base[p] = *current;
  }
  return true;
}

void Writer::stage(Round& round, std::size_t t) {
  const Transaction& txn = round.batch[t].txn;
  TxnOutcome& out = round.outcomes[t];
  const std::uint32_t writes_before = round.wb.Count();
  const bool keep_recent = db_.recent_dedupe_rows().enabled();
  for (std::size_t p = 0; p < txn.streams.size(); ++p) {
    if (!out.is_new[p]) continue;
    const StreamAppend& part = txn.streams[p];
    const std::vector<bool>* stored = p < out.stored.size() && !out.stored[p].empty() ? &out.stored[p] : nullptr;
    auto left_out = [&](std::size_t i) { return stored != nullptr && (*stored)[i]; };
    std::uint64_t version = out.base[p];
    const std::uint64_t first = round.next;
    for (std::size_t i = 0; i < part.events.size(); ++i) {
      if (left_out(i)) continue;
      const NewEvent& e = part.events[i];
      ++version;
      const std::uint64_t position = round.next++;
      const EventId id = e.id ? *e.id : new_event_id();
      const std::string key = keys::encode_u64(position);
      round.wb.Put(db_.log(), key, round.encoder.encode(position, part.stream, version, e, id, round.timestamp));
      round.wb.Put(db_.streams(), keys::stream_key(part.stream, version), key);
    }
    round.events += round.next - first;
    AppendResult result{first, round.next - 1, version, false};
    const std::string dedupe_value = keys::encode_dedupe_value(result);
    std::uint64_t position = first;
    for (std::size_t i = 0; i < part.events.size(); ++i) {
      if (left_out(i)) continue;
      const auto& e = part.events[i];
      const std::uint64_t here = position++;
      if (!e.id) continue;
      round.wb.Put(db_.dedupe(), slice(*e.id), dedupe_value);
      round.ids.emplace(*e.id, EventRef{t, p, i});
      if (keep_recent) round.placed.push_back({here, DedupeRow{*e.id, result}});
    }
    round.overlay[part.stream] = version;
    out.parts[p].result = result;
  }
  for (const auto& cp : txn.checkpoints) round.wb.Put(db_.checkpoints(), cp.name, keys::encode_u64(cp.position));
  out.writes = round.wb.Count() > writes_before;
  ++round.txns;
}

void Writer::process_segment(Pending& pending) {
  if (failed_ && !try_resume()) return pending.segment_done(std::unexpected(*failed_));
  rocksdb::WriteBatch wb;
  auto staged = stage_segment(db_, heads_, *pending.segment, next_position_, wb);
  if (!staged) {
    heads_.clear();  // versions staged for a batch never written
    return pending.segment_done(std::unexpected(staged.error()));
  }
  if (wb.Count() > 0) {
    db_.recent_dedupe_rows().clear();  // rows of another store's appends: read from RocksDB
    if (auto e = write_synced(wb)) return pending.segment_done(std::unexpected(*e));
    next_position_ += *staged;
    batches_.fetch_add(1, std::memory_order_relaxed);
    events_.fetch_add(*staged, std::memory_order_relaxed);
    if (on_commit_ && *staged > 0) on_commit_(next_position_ - 1);
  }
  pending.segment_done(next_position_ - 1);
}

std::optional<Error> Writer::write(Round& round) {
  if (round.wb.Count() == 0) return std::nullopt;
  if (auto e = write_synced(round.wb)) return e;
  db_.recent_dedupe_rows().add(next_position_, round.next - 1, round.placed);
  next_position_ = round.next;
  for (auto& [stream, version] : round.overlay) heads_.put(stream, version);
  batches_.fetch_add(1, std::memory_order_relaxed);
  events_.fetch_add(round.events, std::memory_order_relaxed);
  transactions_.fetch_add(round.txns, std::memory_order_relaxed);
  if (on_commit_) on_commit_(next_position_ - 1);
  return std::nullopt;
}

std::optional<Error> Writer::write_synced(rocksdb::WriteBatch& wb) {
  rocksdb::WriteOptions wo;
  wo.sync = true;
  wo.memtable_insert_hint_per_batch = true;  // log keys of a batch are consecutive
  const auto started = std::chrono::steady_clock::now();
  auto s = db_.db()->Write(wo, &wb);
  write_micros_.fetch_add(
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count(),
      std::memory_order_relaxed);
  if (s.ok()) return std::nullopt;
  Error e = to_error(s, "storage write failed");
  e.code = Code::unavailable;
  if (s.IsNoSpace()) {
    e.reason = "disk_full";
    e.message += "; appends are refused until there is room on the disk again";
  } else {
    e.reason = "storage_failed";
    e.message += "; the store refuses appends until it is reopened";
  }
  set_failed(e);
  return e;
}

void Writer::set_failed(Error e) {
  failed_ = e;
  heads_.clear();
  next_resume_ = std::chrono::steady_clock::now() + kResumeEvery;
  {
    std::lock_guard lock(failure_mutex_);
    failure_ = e;
  }
  if (options_.on_failure) options_.on_failure(e);
}

bool Writer::try_resume() {
  if (!is_disk_full(failed_)) return false;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_resume_) return false;
  next_resume_ = now + kResumeEvery;
  auto resumed = db_.resume();
  if (!resumed) {
    if (resumed.error().reason == "disk_full") return false;  // still full: try again later
    Error e = resumed.error();
    e.code = Code::unavailable;
    e.reason = "storage_failed";
    e.message += "; the store refuses appends until it is reopened";
    set_failed(e);
    return false;
  }
  // Nothing of the failed batch is in the database (RocksDB applies a batch to its
  // memtables only after its write-ahead log write worked, and resuming started a new
  // one), so positions go on from the last durable one.
  auto last = db_.last_position();
  if (!last) return false;  // a read failed: stay refused, and try again later
  next_position_ = *last + 1;
  failed_.reset();
  {
    std::lock_guard lock(failure_mutex_);
    failure_.reset();
  }
  if (options_.on_recovery) options_.on_recovery();
  return true;
}

void Writer::complete(Round& round, const std::optional<Error>& write_error) {
  for (std::size_t t = 0; t < round.batch.size(); ++t) {
    TxnOutcome& out = round.outcomes[t];
    if (out.error) {
      // A clash with a transaction of this round stands only if that one was stored.
      round.batch[t].done(std::unexpected(write_error && out.refused_by_round ? *write_error : *out.error));
      continue;
    }
    bool depends_on_batch = out.writes;
    TransactionResult result;
    for (auto& part : out.parts) {
      if (part.ref_txn >= 0) {
        depends_on_batch = true;
        AppendResult original = round.outcomes[part.ref_txn].parts[part.ref_part].result;
        original.duplicate = true;
        result.streams.push_back(original);
      } else {
        result.streams.push_back(part.result);
      }
    }
    if (write_error && depends_on_batch) round.batch[t].done(std::unexpected(*write_error));
    else round.batch[t].done(std::move(result));
  }
}

}  // namespace mailbox::eventstore
