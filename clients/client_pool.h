#pragma once
// A few threads, each with its own kept-alive HttpClient to one URL, running jobs in
// the order they come. The payment gate and the alarm webhook do their calls here, so
// that no caller's thread ever waits on another service.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "clients/http_client.h"

namespace mailbox::clients {

class ClientPool {
 public:
  // A job gets the thread's client, or null when the pool is stopping and the job will
  // not be run: it must then answer its caller at once.
  using Job = std::function<void(HttpClient* client)>;

  ClientPool(Url url, int threads);
  // Jobs not yet started are called with null; then the threads are joined.
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;

  // Thread-safe. After the destructor began, the job is called with null at once.
  void post(Job job);

 private:
  void work();
  const Url url_;
  std::mutex mutex_;  // guards jobs_ and stopping_
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mailbox::clients
