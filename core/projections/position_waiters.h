#pragma once
// Waiting for watermarks (the log's head, a policy's or a view's position) without
// holding a thread per waiter: a waiter registers what it waits for and is called back
// once the position is reached or its time is up. Read-your-writes queries and live
// tails use it.
//
// Threads: a watermark moving costs its thread (the log's writer, a worker) O(1): a
// flag and a notify, under a lock nothing holds for long. This object's own dispatch
// thread matches waiters to positions, expires deadlines, and calls them back.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/eventstore/watermark.h"

namespace mailbox::projections {

class PositionWaiters {
 public:
  using Done = std::function<void(bool reached)>;

  PositionWaiters();
  // Answers every pending wait with false, then stops the dispatch thread.
  ~PositionWaiters();
  PositionWaiters(const PositionWaiters&) = delete;
  PositionWaiters& operator=(const PositionWaiters&) = delete;

  // Serves waits on this watermark from now on. REQUIRES: it outlives this object;
  // called before any wait on it.
  void watch(const eventstore::Watermark& watermark);

  // done(true) once watermark >= target, done(false) when the timeout passes or the
  // waits are cancelled. done runs exactly once: on the dispatch thread, or on the
  // caller's thread before wait returns when it is decided at once (reached already, or
  // closed). REQUIRES: done neither blocks nor waits again on this thread's behalf for
  // long; the watermark is watched.
  void wait(const eventstore::Watermark& watermark, std::uint64_t target, std::chrono::milliseconds timeout,
            Done done);
  // Answers every pending wait with false. With close, every later wait too (used when
  // shutting down: nothing then waits for a position that may never come).
  void cancel_all(bool close = false);
  std::size_t pending() const;
  // How many times the dispatch thread has looked at the waits (woken by a move, a new
  // wait or a deadline).
  std::uint64_t looks() const { return looks_.load(std::memory_order_relaxed); }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    const eventstore::Watermark* watermark;
    std::uint64_t target;
    Clock::time_point deadline;
    Done done;
  };
  void run();
  // Tells the dispatch thread to look again (a watermark moved, or a wait came).
  void signal();
  // Removes the entry with this id from the indexes and returns its callback.
  // REQUIRES: mutex_ held.
  Done take(std::uint64_t id);

  // The dispatch thread's wake-up, guarded by signal_mutex_ (held only to set, read or
  // reset these two):
  std::mutex signal_mutex_;
  std::condition_variable signal_;
  bool moved_ = false;     // look again: a watermark moved or a wait came
  bool stopping_ = false;  // the destructor runs

  // How many waits are registered (entries_.size(), changed under mutex_): a watermark
  // that moves while it is 0 wakes nobody. Read by the threads that move watermarks.
  std::atomic<std::size_t> waiting_{0};
  std::atomic<std::uint64_t> looks_{0};

  mutable std::mutex mutex_;  // guards everything below
  bool closed_ = false;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, Entry> entries_;
  std::multimap<std::pair<const eventstore::Watermark*, std::uint64_t>, std::uint64_t> by_target_;
  std::multimap<Clock::time_point, std::uint64_t> by_deadline_;
  std::vector<eventstore::Watermark::Subscription> subscriptions_;
  std::thread thread_;  // last: started once the fields above exist
};

}  // namespace mailbox::projections
