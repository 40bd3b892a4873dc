#pragma once
// For stand-ins that hang on purpose: each call to hold() counts an arrival, then
// blocks until release() or until the hold time has passed. A test waits for calls to
// arrive without sleeping, and ends the hang early once it has seen what it needed.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>

namespace mailbox::testing {

class Hold {
 public:
  explicit Hold(std::chrono::milliseconds longest) : longest_(longest) {}
  ~Hold() { release(); }

  // On the stand-in's thread, inside its answer.
  void hold() {
    std::unique_lock lock(mutex_);
    ++arrived_;
    changed_.notify_all();
    changed_.wait_for(lock, longest_, [&] { return released_; });
  }
  // Whether n calls have arrived within the timeout.
  bool wait_arrived(std::size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return arrived_ >= n; });
  }
  std::size_t arrived() const {
    std::lock_guard lock(mutex_);
    return arrived_;
  }
  // Every held call, and every later one, goes on at once.
  void release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    changed_.notify_all();
  }

 private:
  const std::chrono::milliseconds longest_;
  mutable std::mutex mutex_;  // guards everything below: stand-in threads and the test
  std::condition_variable changed_;
  std::size_t arrived_ = 0;
  bool released_ = false;
};

}  // namespace mailbox::testing
