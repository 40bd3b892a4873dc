#include "server/position_waiters.h"

namespace mailbox::server {

PositionWaiters::PositionWaiters(std::vector<const eventstore::Watermark*> watermarks) {
  for (const auto* w : watermarks)
    subscriptions_.push_back(w->subscribe(
        [this, w](std::uint64_t position) { on_advance(w, position); }));
  timer_thread_ = std::thread([this] { run_timers(); });
}

PositionWaiters::~PositionWaiters() {
  for (auto& s : subscriptions_) s.reset();
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  timers_changed_.notify_all();
  timer_thread_.join();
  cancel_all();
}

void PositionWaiters::wait(const eventstore::Watermark& watermark, std::uint64_t target,
                           std::chrono::milliseconds timeout, Done done) {
  {
    std::lock_guard lock(mutex_);
    if (watermark.get() < target && !stopping_) {
      const std::uint64_t id = next_id_++;
      const auto deadline = Clock::now() + timeout;
      entries_.emplace(id, Entry{&watermark, target, deadline, std::move(done)});
      by_target_.emplace(std::make_pair(&watermark, target), id);
      const bool earliest = by_deadline_.empty() || deadline < by_deadline_.begin()->first;
      by_deadline_.emplace(deadline, id);
      if (earliest) timers_changed_.notify_all();
      return;
    }
  }
  done(watermark.get() >= target);
}

void PositionWaiters::on_advance(const eventstore::Watermark* w, std::uint64_t position) {
  std::vector<Done> ready;
  {
    std::lock_guard lock(mutex_);
    auto it = by_target_.lower_bound({w, 0});
    while (it != by_target_.end() && it->first.first == w && it->first.second <= position) {
      auto entry = entries_.find(it->second);
      auto range = by_deadline_.equal_range(entry->second.deadline);
      for (auto d = range.first; d != range.second; ++d)
        if (d->second == it->second) {
          by_deadline_.erase(d);
          break;
        }
      ready.push_back(std::move(entry->second.done));
      entries_.erase(entry);
      it = by_target_.erase(it);
    }
  }
  for (auto& done : ready) done(true);
}

void PositionWaiters::run_timers() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (by_deadline_.empty()) {
      timers_changed_.wait(lock);
      continue;
    }
    const auto next = by_deadline_.begin()->first;
    if (Clock::now() < next) {
      timers_changed_.wait_until(lock, next);
      continue;
    }
    std::vector<Done> expired;
    while (!by_deadline_.empty() && by_deadline_.begin()->first <= Clock::now()) {
      const std::uint64_t id = by_deadline_.begin()->second;
      by_deadline_.erase(by_deadline_.begin());
      auto entry = entries_.find(id);
      auto range = by_target_.equal_range({entry->second.watermark, entry->second.target});
      for (auto t = range.first; t != range.second; ++t)
        if (t->second == id) {
          by_target_.erase(t);
          break;
        }
      expired.push_back(std::move(entry->second.done));
      entries_.erase(entry);
    }
    lock.unlock();
    for (auto& done : expired) done(false);
    lock.lock();
  }
}

void PositionWaiters::cancel_all() {
  std::vector<Done> all;
  {
    std::lock_guard lock(mutex_);
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

}  // namespace mailbox::server
