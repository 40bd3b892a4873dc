#include "core/eventstore/event_store.h"

#include <algorithm>


#include "core/eventstore/internal/envelope_codec.h"
#include "core/eventstore/internal/log_cut.h"
#include "core/eventstore/internal/log_db.h"
#include "core/eventstore/internal/log_segments.h"
#include "core/eventstore/internal/writer.h"

namespace mailbox::eventstore {

EventStore::~EventStore() {
  if (writer_) writer_->stop();
  // A clean close leaves nothing to replay: the next open (the next process, in a
  // restart) would otherwise replay the write-ahead log, seconds after a burst of
  // appends, while clients wait. A store whose writes failed is left to that replay.
  if (writer_ && !writer_->failure()) (void)db_->flush();
  writer_.reset();
  db_.reset();
}

void EventStore::stop_appends() {
  if (writer_) writer_->stop();
}

Result<std::unique_ptr<EventStore>> EventStore::open(const std::string& path, const StoreOptions& options) {
  auto db = LogDb::open(path, options);
  if (!db) return std::unexpected(db.error());
  auto last = (*db)->last_position();
  if (!last) return std::unexpected(last.error());

  std::unique_ptr<EventStore> store(new EventStore());
  store->db_ = std::move(*db);
  store->durable_.advance(*last);
  if (options.hold_releases) {
    // The policies' checkpoints name only positions released before: a floor to start
    // from, so that the views and queries do not start from nothing.
    auto floor = store->db_->max_checkpoint();
    if (!floor) return std::unexpected(floor.error());
    store->hold_releases();
    store->release(std::min(*floor, *last));
  } else {
    store->head_.advance(*last);
  }
  if (!options.read_only) {
    store->writer_ = std::make_unique<Writer>(*store->db_, options, *last, [s = store.get()](std::uint64_t head) {
      s->durable_.advance(head);
      if (!s->releases_held()) s->head_.advance(head);
      else s->advance_released();
    });
  }
  return store;
}

Result<RecordedEvent> EventStore::decode_stored(std::string_view envelope) { return decode_envelope(envelope); }

Result<std::uint64_t> EventStore::cut_tail(const std::string& path, std::uint64_t from, const StoreOptions& options,
                                          const std::function<void(const RecordedEvent&)>& visit) {
  StoreOptions o = options;
  o.create_if_missing = false;
  o.read_only = false;
  auto db = LogDb::open(path, o);
  if (!db) return std::unexpected(db.error());
  auto removed = cut_log(**db, from, visit);
  if (removed) (void)(*db)->flush();
  return removed;
}

Result<std::uint64_t> EventStore::copy_to(const std::string& dir) const {
  if (db_->read_only()) return fail(Code::invalid_argument, "a read-only log is not copied");
  if (auto s = db_->checkpoint_to(dir); !s) return std::unexpected(s.error());
  // The copy's own last key says where it ends: appends went on while it was made.
  StoreOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  auto copy = open(dir, options);
  if (!copy) return std::unexpected(copy.error());
  return (*copy)->head();
}

namespace {

Result<AppendResult> single(Result<TransactionResult>&& r) {
  if (!r) return std::unexpected(std::move(r.error()));
  return r->streams.front();
}

Transaction as_transaction(StreamAppend request) {
  Transaction txn;
  txn.streams.push_back(std::move(request));
  return txn;
}

}  // namespace

void EventStore::commit_async(Transaction txn, CommitCallback done) {
  if (!writer_) {
    done(fail(Code::unavailable, "the event store is open read-only"));
    return;
  }
  writer_->submit(std::move(txn), std::move(done));
}

Result<TransactionResult> EventStore::commit(Transaction txn) {
  std::promise<Result<TransactionResult>> promise;
  auto future = promise.get_future();
  commit_async(std::move(txn), [&promise](Result<TransactionResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

void EventStore::append_async(StreamAppend request, AppendCallback done) {
  commit_async(as_transaction(std::move(request)),
               [done = std::move(done)](Result<TransactionResult> r) { done(single(std::move(r))); });
}

std::future<Result<AppendResult>> EventStore::append_future(StreamAppend request) {
  auto promise = std::make_shared<std::promise<Result<AppendResult>>>();
  auto future = promise->get_future();
  append_async(std::move(request), [promise](Result<AppendResult> r) { promise->set_value(std::move(r)); });
  return future;
}

Result<AppendResult> EventStore::append(std::string stream, ExpectedVersion expected,
                                        std::vector<NewEvent> events) {
  return single(commit(as_transaction(StreamAppend{std::move(stream), expected, std::move(events)})));
}

std::uint64_t EventStore::head() const { return head_.get(); }

void EventStore::release(std::uint64_t position) {
  if (!releases_held()) return;
  {
    std::lock_guard lock(release_mutex_);
    release_target_ = std::max(release_target_, position);
  }
  advance_released();
}

void EventStore::advance_released() {
  std::uint64_t to = 0;
  {
    std::lock_guard lock(release_mutex_);
    to = std::min(release_target_, durable_.get());
  }
  head_.advance(to);
}

bool EventStore::has_room(std::size_t events) const { return !writer_ || writer_->has_room(events); }

Status EventStore::scan_log(std::uint64_t from, std::size_t max_count,
                            const std::function<bool(RecordedEvent&&)>& visit) const {
  return db_->scan_log(from, head(), max_count, visit);
}

Result<std::uint64_t> EventStore::scan_log(std::uint64_t from, std::size_t max_count, const TypeFilter& wanted,
                                           const std::function<bool(RecordedEvent&&)>& visit) const {
  return db_->scan_log(from, head(), max_count, wanted, visit);
}

Result<std::vector<RecordedEvent>> EventStore::read_log(std::uint64_t from, std::size_t max_count) const {
  std::vector<RecordedEvent> events;
  auto s = scan_log(from, max_count, [&](RecordedEvent&& e) {
    events.push_back(std::move(e));
    return true;
  });
  if (!s) return std::unexpected(s.error());
  return events;
}

Result<std::vector<RecordedEvent>> EventStore::read_stream(std::string_view stream, std::uint64_t from_version,
                                                           std::size_t max_count) const {
  const std::uint64_t upto = durable_head();
  auto positions = db_->stream_positions(stream, from_version, max_count);
  if (!positions) return std::unexpected(positions.error());
  std::vector<RecordedEvent> events;
  events.reserve(positions->size());
  for (auto pos : *positions) {
    if (pos > upto) break;
    auto e = db_->read_event(pos);
    if (!e) return std::unexpected(e.error());
    events.push_back(std::move(*e));
  }
  return events;
}

Result<RecordedEvent> EventStore::read_event(std::uint64_t position) const {
  if (position == 0 || position > durable_head())
    return fail(Code::not_found, "no event at position " + std::to_string(position));
  return db_->read_event(position);
}

Result<std::uint64_t> EventStore::stream_version(std::string_view stream) const {
  return db_->stream_version(stream);
}

Result<std::optional<RecordedEvent>> EventStore::find_event(const EventId& id) const {
  auto stored = db_->find_event_id(id);
  if (!stored) return std::unexpected(stored.error());
  if (!*stored || (*stored)->last_position > durable_head()) return std::optional<RecordedEvent>{};
  auto event = db_->event_with_id(id, **stored);
  if (!event) return std::unexpected(event.error());
  return std::optional<RecordedEvent>(std::move(*event));
}

Result<std::optional<std::uint64_t>> EventStore::checkpoint(std::string_view name) const {
  return db_->checkpoint(name);
}

bool EventStore::wait_for(std::uint64_t position, std::chrono::milliseconds timeout) const {
  return head_.wait_for(position, timeout);
}

Status EventStore::refresh() {
  if (!db_->read_only()) return {};
  if (auto s = db_->catch_up(); !s) return s;
  auto last = db_->last_position();
  if (!last) return std::unexpected(last.error());
  durable_.advance(*last);
  if (!releases_held()) head_.advance(*last);
  return {};
}

Result<LogSegment> EventStore::read_segment(std::uint64_t from, std::size_t max_events, std::size_t max_bytes) const {
  return eventstore::read_segment(*db_, from, max_events, max_bytes);
}

Result<std::uint64_t> EventStore::apply_segment(LogSegment segment) {
  if (!writer_) return fail(Code::unavailable, "the event store is open read-only");
  std::promise<Result<std::uint64_t>> promise;
  auto future = promise.get_future();
  writer_->submit_segment(std::move(segment), [&promise](Result<std::uint64_t> r) { promise.set_value(std::move(r)); });
  return future.get();
}

std::optional<Error> EventStore::failure() const { return writer_ ? writer_->failure() : std::nullopt; }

WriterStats EventStore::writer_stats() const { return writer_ ? writer_->stats() : WriterStats{}; }

}  // namespace mailbox::eventstore
