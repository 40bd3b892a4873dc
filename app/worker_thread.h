#pragma once
// One thread that runs posted functions in order. Continuations that must not run on
// the log's writer thread (which forbids blocking work in its callbacks), such as a
// read of the log after an append was refused, are posted here.
//
// Thread-safety: post from any thread.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace mailbox::app {

class WorkerThread {
 public:
  WorkerThread();
  // Runs what is queued, then joins.
  ~WorkerThread();
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;

  // REQUIRES: fn does not block for long (it delays every later one).
  void post(std::function<void()> fn);

 private:
  void run();
  std::mutex mutex_;  // guards queue_ and stopping_
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the fields above exist
};

}  // namespace mailbox::app
