#pragma once
// Waiting for watermarks (log head, policy and view positions) without blocking a
// thread: a request registers what it waits for and is called back when the position
// is reached or its time is up. Read-your-writes queries and the live tail use it.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/eventstore/watermark.h"

namespace mailbox::server {

class PositionWaiters {
 public:
  using Done = std::function<void(bool reached)>;

  // Subscribes to each watermark it serves. REQUIRES: they outlive this object.
  explicit PositionWaiters(std::vector<const eventstore::Watermark*> watermarks);
  // Answers every pending wait with false, then stops.
  ~PositionWaiters();
  PositionWaiters(const PositionWaiters&) = delete;

  // done(true) once watermark >= target (at once if it already is), done(false) when
  // the timeout passes or cancel_all() is called. done runs exactly once, on the thread
  // that moved the watermark, on this object's timer thread, or on the caller's thread;
  // it must not block. REQUIRES: watermark is one of those given to the constructor.
  void wait(const eventstore::Watermark& watermark, std::uint64_t target, std::chrono::milliseconds timeout,
            Done done);
  // Answers every pending wait with false (used when draining).
  void cancel_all();
  std::size_t pending() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    const eventstore::Watermark* watermark;
    std::uint64_t target;
    Clock::time_point deadline;
    Done done;
  };
  void on_advance(const eventstore::Watermark* w, std::uint64_t position);
  void run_timers();

  mutable std::mutex mutex_;  // guards everything below
  std::condition_variable timers_changed_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Entry> entries_;
  std::multimap<std::pair<const eventstore::Watermark*, std::uint64_t>, std::uint64_t> by_target_;
  std::multimap<Clock::time_point, std::uint64_t> by_deadline_;
  bool stopping_ = false;
  std::vector<eventstore::Watermark::Subscription> subscriptions_;
  std::thread timer_thread_;
};

}  // namespace mailbox::server
