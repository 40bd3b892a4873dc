#pragma once
// An operator's long job (an online rebuild, a backup) on a thread of its own, never on
// an I/O thread, and one at a time: while one runs, another is refused.

#include <mutex>
#include <thread>
#include <utility>

namespace mailbox::server {

class SoloJob {
 public:
  SoloJob() = default;
  ~SoloJob() {
    std::thread last;
    {
      std::lock_guard lock(mutex_);
      last = std::move(thread_);
    }
    if (last.joinable()) last.join();  // outside the lock: the thread takes it to finish
  }
  SoloJob(const SoloJob&) = delete;
  SoloJob& operator=(const SoloJob&) = delete;

  // Runs work() on the job's thread and then then(its result), once the job no longer
  // counts as running (so whoever then() answers may start the next one at once).
  // Returns false, running nothing, while another job runs. Thread-safe.
  // REQUIRES: then() is quick (a start() meanwhile waits for it).
  template <class Work, class Then>
  bool start(Work work, Then then) {
    std::lock_guard lock(mutex_);
    if (running_) return false;
    if (thread_.joinable()) thread_.join();  // the previous one has finished
    running_ = true;
    thread_ = std::thread([this, work = std::move(work), then = std::move(then)]() mutable {
      auto result = work();
      {
        std::lock_guard lock(mutex_);
        running_ = false;
      }
      then(std::move(result));
    });
    return true;
  }

 private:
  std::mutex mutex_;
  std::thread thread_;    // guarded by mutex_
  bool running_ = false;  // guarded by mutex_
};

}  // namespace mailbox::server
