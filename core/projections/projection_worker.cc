#include "core/projections/projection_worker.h"

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
  thread_ = std::thread([this] { run(); });
  return {};
}

void ProjectionWorker::stop() {
  stopping_ = true;
  log_.committed().wake_all();
  if (thread_.joinable()) thread_.join();
}

Result<std::uint64_t> ProjectionWorker::step(std::uint64_t from, std::uint64_t upto) {
  ViewWriter batch = views_.writer(projection_.name(), generation_);
  std::uint64_t last = from;
  std::optional<eventstore::Error> failure;
  const std::size_t count = static_cast<std::size_t>(std::min<std::uint64_t>(upto - from, options_.batch_events));
  auto scanned = log_.scan_log(from + 1, count, [&](eventstore::RecordedEvent&& e) {
    if (projection_.wants(e.type)) {
      if (auto s = projection_.apply(e, batch); !s) {
        failure = s.error();
        failure->message = std::string(projection_.name()) + " view, event at position " +
                           std::to_string(e.position) + ": " + failure->message;
        return false;
      }
    }
    last = e.position;
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  if (failure) return std::unexpected(*failure);
  if (last == from) return from;
  const std::size_t rows = batch.count();
  if (auto s = views_.commit(batch, last); !s) return std::unexpected(s.error());
  rows_written_.fetch_add(rows, std::memory_order_relaxed);
  return last;
}

void ProjectionWorker::run() {
  std::uint64_t pos = state_.position().get();
  while (!stopping_) {
    const std::uint64_t head = log_.head();
    if (head <= pos) {
      log_.committed().wait_past(pos, stopping_);
      continue;
    }
    auto next = step(pos, head);
    if (!next) {
      state_.set_error(next.error());
      return;  // halted: the error stays visible until the worker is restarted
    }
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
