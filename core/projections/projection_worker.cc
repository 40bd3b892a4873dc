#include "core/projections/projection_worker.h"

#include "core/projections/jitter.h"
#include "core/thread_name.h"

namespace mailbox::projections {

ProjectionWorker::ProjectionWorker(const eventstore::EventStore& log, ViewStore& views, Projection& projection,
                                   std::uint64_t generation, WorkerOptions options)
    : log_(log), views_(views), projection_(projection), generation_(generation), options_(options) {}

ProjectionWorker::~ProjectionWorker() { stop(); }

Status ProjectionWorker::start() {
  auto cp = views_.checkpoint(projection_.name(), generation_);
  if (!cp) return std::unexpected(cp.error());
  state_.position().advance(*cp);
  stopping_ = false;
  finished_ = false;
  thread_ = std::thread([this] {
    run();
    finished_ = true;
  });
  name_thread(thread_, "view-" + std::string(projection_.name()));
  return {};
}

void ProjectionWorker::stop() {
  {
    std::lock_guard lock(pause_mutex_);
    stopping_ = true;
  }
  pause_cv_.notify_all();
  log_.committed().wake_all();
  if (thread_.joinable()) thread_.join();
}

bool ProjectionWorker::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(pause_mutex_);
  pause_cv_.wait_for(lock, with_jitter(d), [&] { return stopping_.load(); });
  return !stopping_;
}

Result<std::uint64_t> ProjectionWorker::step(std::uint64_t from, std::uint64_t upto) {
  ViewWriter batch = views_.writer(projection_.name(), generation_);
  std::optional<eventstore::Error> failure;
  const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(upto - from, options_.batch_events));
  auto wanted = [&](std::string_view type) { return projection_.wants(type); };
  auto scanned = log_.scan_log(from + 1, count, wanted, [&](eventstore::RecordedEvent&& e) {
    if (auto s = projection_.apply(e, batch); !s) {
      failure = s.error();
      failure->message = std::string(projection_.name()) + " view, event at position " +
                         std::to_string(e.position) + ": " + failure->message;
      return false;
    }
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  if (failure) return std::unexpected(*failure);
  const std::uint64_t last = *scanned;
  if (last == from) return from;
  const std::size_t rows = batch.count();
  if (auto s = views_.commit(batch, last); !s) return std::unexpected(s.error());
  rows_written_.fetch_add(rows, std::memory_order_relaxed);
  return last;
}

void ProjectionWorker::run() {
  std::uint64_t pos = state_.position().get();
  auto backoff = options_.first_retry;
  while (!stopping_) {
    const std::uint64_t head = log_.head();
    if (head <= pos) {
      log_.committed().wait_past(pos, stopping_);
      continue;
    }
    auto next = step(pos, head);
    if (!next) {
      state_.set_error(next.error());
      if (next.error().code != Code::unavailable) return;  // halted: visible until restarted
      // Transient (the views database refused a write): retry the same batch later.
      retries_.fetch_add(1, std::memory_order_relaxed);
      if (!pause(backoff)) return;
      backoff = std::min(backoff * 2, options_.max_retry);
      // A failed write stops the views database until it is resumed (RocksDB's own
      // recovery is off, see view_store.cc). The next step tells whether it worked.
      (void)views_.resume();
      continue;
    }
    backoff = options_.first_retry;
    state_.clear_error();
    pos = *next;
    state_.position().advance(pos);
  }
}

Status ProjectionWorker::run_until(std::uint64_t target, const std::function<void(std::uint64_t)>& on_batch) {
  auto cp = views_.checkpoint(projection_.name(), generation_);
  if (!cp) return std::unexpected(cp.error());
  std::uint64_t pos = *cp;
  state_.position().advance(pos);
  const std::uint64_t end = std::min(target, log_.head());
  while (pos < end) {
    if (stopping_) return eventstore::fail(Code::unavailable, "stopped before the view was built");
    auto next = step(pos, end);
    if (!next) {
      state_.set_error(next.error());
      return std::unexpected(next.error());
    }
    if (*next == pos) break;
    pos = *next;
    state_.position().advance(pos);
    if (on_batch) on_batch(pos);
  }
  return {};
}

}  // namespace mailbox::projections
