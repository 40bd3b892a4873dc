#include "core/projections/position_waiters.h"


namespace mailbox::projections {

PositionWaiters::PositionWaiters() { thread_ = std::thread([this] { run(); }); }

PositionWaiters::~PositionWaiters() {
  for (auto& s : subscriptions_) s.reset();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
  cancel_all(true);
}

void PositionWaiters::watch(const eventstore::Watermark& watermark) {
  auto subscription = watermark.subscribe([this](std::uint64_t) {
    // On the thread that moved the watermark: O(1), whatever the number of waiters.
    {
      std::lock_guard lock(mutex_);
      if (entries_.empty()) return;
      moved_ = true;
    }
    wake_.notify_one();
  });
  std::lock_guard lock(mutex_);
  subscriptions_.push_back(std::move(subscription));
}

void PositionWaiters::wait(const eventstore::Watermark& watermark, std::uint64_t target,
                           std::chrono::milliseconds timeout, Done done) {
  bool decided = false, earliest = false;
  {
    std::lock_guard lock(mutex_);
    // Checked and registered under the lock that the watermark's listener takes: a
    // move after the check finds the entry registered and wakes the dispatch thread.
    if (watermark.get() >= target || closed_ || stopping_) {
      decided = true;
    } else {
      const std::uint64_t id = next_id_++;
      const auto deadline = Clock::now() + timeout;
      earliest = by_deadline_.empty() || deadline < by_deadline_.begin()->first;
      entries_.emplace(id, Entry{&watermark, target, deadline, std::move(done)});
      by_target_.emplace(std::make_pair(&watermark, target), id);
      by_deadline_.emplace(deadline, id);
    }
  }
  if (decided) return done(watermark.get() >= target);
  if (earliest) wake_.notify_one();
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
  return done;
}

void PositionWaiters::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!moved_) {
      if (by_deadline_.empty()) wake_.wait(lock);
      else wake_.wait_until(lock, by_deadline_.begin()->first);
    }
    if (stopping_) break;
    moved_ = false;
    std::vector<std::pair<Done, bool>> answers;
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
    if (answers.empty()) continue;
    lock.unlock();
    for (auto& [done, reached] : answers) done(reached);
    lock.lock();
  }
}

void PositionWaiters::cancel_all(bool close) {
  std::vector<Done> all;
  {
    std::lock_guard lock(mutex_);
    if (close) closed_ = true;
    for (auto& [id, entry] : entries_) all.push_back(std::move(entry.done));
    entries_.clear();
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
