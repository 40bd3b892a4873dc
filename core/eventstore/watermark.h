#pragma once
// A position that only moves forward, with threads that wait for it and listeners that
// are told when it moves. The log's durable head and each follower's position are
// watermarks.
//
// Thread-safety: every method may be called from any thread.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace mailbox::eventstore {

class Watermark {
 public:
  using Listener = std::function<void(std::uint64_t position)>;

  // A registration of a listener; unregisters when destroyed. It must not outlive the
  // watermark.
  class Subscription {
   public:
    Subscription() = default;
    Subscription(Subscription&& other) noexcept;
    Subscription& operator=(Subscription&& other) noexcept;
    ~Subscription();
    void reset();

   private:
    friend class Watermark;
    Subscription(const Watermark* owner, std::uint64_t id) : owner_(owner), id_(id) {}
    const Watermark* owner_ = nullptr;
    std::uint64_t id_ = 0;
  };

  explicit Watermark(std::uint64_t initial = 0) : position_(initial) {}
  Watermark(const Watermark&) = delete;
  Watermark& operator=(const Watermark&) = delete;

  std::uint64_t get() const { return position_.load(std::memory_order_acquire); }
  // Moves to position (never backwards), then wakes waiters and calls every listener
  // on this thread.
  void advance(std::uint64_t position);
  // Blocks until get() >= position or the timeout passes; returns get() >= position.
  bool wait_for(std::uint64_t position, std::chrono::milliseconds timeout) const;
  // Blocks until get() > after or stop_flag is set (set it, then call wake_all()).
  void wait_past(std::uint64_t after, const std::atomic<bool>& stop_flag) const;
  // Wakes every waiter so that it re-checks its condition (used to stop threads).
  void wake_all() const;
  // REQUIRES: listener is quick, never blocks, and does not subscribe or unsubscribe.
  // Subscribing does not move the watermark, so a const one may be subscribed to.
  Subscription subscribe(Listener listener) const;

 private:
  std::atomic<std::uint64_t> position_;
  mutable std::mutex mutex_;  // guards listeners_ and next_id_; pairs with moved_
  mutable std::condition_variable moved_;
  mutable std::map<std::uint64_t, Listener> listeners_;
  mutable std::uint64_t next_id_ = 1;
};

}  // namespace mailbox::eventstore
