#include "core/projections/position_waiters.h"

#include "core/thread_name.h"

namespace mailbox::projections {

PositionWaiters::PositionWaiters() {
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, "waiters");
}

PositionWaiters::~PositionWaiters() {
  for (auto& s : subscriptions_) s.reset();
  {
    std::lock_guard lock(signal_mutex_);
    stopping_ = true;
  }
  signal_.notify_all();
  thread_.join();
  cancel_all(true);
}

void PositionWaiters::signal() {
  {
    std::lock_guard lock(signal_mutex_);
    moved_ = true;
  }
  signal_.notify_one();
}

void PositionWaiters::watch(const eventstore::Watermark& watermark) {
  // On the thread that moved the watermark: a flag and a notify, under a lock that the
  // dispatch thread holds only to read and reset that flag, never while it scans; and
  // nothing at all while no wait is registered (most moves). A wait registered after
  // this load has read 0 is looked at by the signal its own wait() sends, and that look
  // sees this move: the two fences (here and before the dispatch thread's scan) order
  // the move before the scan whenever the load missed the registration.
  auto subscription = watermark.subscribe([this](std::uint64_t) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (waiting_.load(std::memory_order_seq_cst) > 0) signal();
  });
  std::lock_guard lock(mutex_);
  subscriptions_.push_back(std::move(subscription));
}

void PositionWaiters::wait(const eventstore::Watermark& watermark, std::uint64_t target,
                           std::chrono::milliseconds timeout, Done done) {
  bool decided = false;
  {
    std::lock_guard lock(mutex_);
    // Checked, then registered; the dispatch thread is told to look after that, so a
    // move between the check and the registration is seen by that look.
    if (watermark.get() >= target || closed_) {
      decided = true;
    } else {
      const std::uint64_t id = next_id_++;
      const auto deadline = Clock::now() + timeout;
      entries_.emplace(id, Entry{&watermark, target, deadline, std::move(done)});
      waiting_.store(entries_.size(), std::memory_order_seq_cst);
      by_target_.emplace(std::make_pair(&watermark, target), id);
      by_deadline_.emplace(deadline, id);
    }
  }
  if (decided) return done(watermark.get() >= target);
  // The dispatch thread looks again: its deadline may be the earliest.
  signal();
}

PositionWaiters::Done PositionWaiters::take(std::uint64_t id) {
  auto entry = entries_.find(id);
  Done done = std::move(entry->second.done);
  for (auto [t, end] = by_target_.equal_range({entry->second.watermark, entry->second.target}); t != end; ++t)
    if (t->second == id) {
      by_target_.erase(t);
      break;
    }
  for (auto [d, end] = by_deadline_.equal_range(entry->second.deadline); d != end; ++d)
    if (d->second == id) {
      by_deadline_.erase(d);
      break;
    }
  entries_.erase(entry);
  waiting_.store(entries_.size(), std::memory_order_seq_cst);
  return done;
}

void PositionWaiters::run() {
  Clock::time_point next_deadline = Clock::time_point::max();
  for (;;) {
    {
      std::unique_lock lock(signal_mutex_);
      const auto look = [&] { return moved_ || stopping_; };
      if (next_deadline == Clock::time_point::max()) signal_.wait(lock, look);
      else signal_.wait_until(lock, next_deadline, look);
      if (stopping_) return;
      moved_ = false;
    }
    looks_.fetch_add(1, std::memory_order_relaxed);
    std::vector<std::pair<Done, bool>> answers;
    {
      std::lock_guard lock(mutex_);
      std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with the movers' fence (watch)
      // Reached: per watermark that has waiters, every target at or below its position
      // (the index is sorted by watermark, then target).
      std::vector<std::uint64_t> reached;
      for (auto it = by_target_.begin(); it != by_target_.end();) {
        const eventstore::Watermark* w = it->first.first;
        const std::uint64_t position = w->get();
        for (; it != by_target_.end() && it->first.first == w && it->first.second <= position; ++it)
          reached.push_back(it->second);
        it = by_target_.upper_bound({w, UINT64_MAX});
      }
      for (auto id : reached) answers.emplace_back(take(id), true);
      // Expired.
      const auto now = Clock::now();
      while (!by_deadline_.empty() && by_deadline_.begin()->first <= now)
        answers.emplace_back(take(by_deadline_.begin()->second), false);
      // A copy: the map's key may be gone by the time the wait reads it.
      next_deadline = by_deadline_.empty() ? Clock::time_point::max() : by_deadline_.begin()->first;
    }
    for (auto& [done, reached] : answers) done(reached);
  }
}

void PositionWaiters::cancel_all(bool close) {
  std::vector<Done> all;
  {
    std::lock_guard lock(mutex_);
    if (close) closed_ = true;
    for (auto& [id, entry] : entries_) all.push_back(std::move(entry.done));
    entries_.clear();
    waiting_.store(0, std::memory_order_seq_cst);
    by_target_.clear();
    by_deadline_.clear();
  }
  for (auto& done : all) done(false);
}

std::size_t PositionWaiters::pending() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace mailbox::projections
