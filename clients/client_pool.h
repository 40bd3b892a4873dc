#pragma once
// A few threads, each with its own kept-alive HttpClient to one URL, running jobs in
// the order they come; for an https:// URL they share one TlsContext. The payment gate
// and the alarm webhook do their calls here, so that no caller's thread ever waits on
// another service.

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

  // For an https:// URL, loads the TLS context from tls here, once; should that fail
  // (say, an unreadable CA file), it is logged and every call fails unavailable with
  // the reason.
  ClientPool(Url url, const TlsOptions& tls, int threads);
  // Cancels, then joins the threads: waits for the jobs running (each bounded by its
  // own call's timeout).
  ~ClientPool();
  ClientPool(const ClientPool&) = delete;

  // Thread-safe. Runs the job on a pool thread; once cancelled, calls it with null at
  // once, on the caller's thread.
  void post(Job job);
  // As post, unless max_waiting jobs wait for a thread already: then false, and the job
  // is dropped without being called.
  bool try_post(Job job, std::size_t max_waiting);
  // Thread-safe; not undone. Jobs not yet started are called with null, on the calling
  // thread, before it returns; jobs running finish on their own; the threads exit as
  // they finish.
  void cancel();

 private:
  void work();
  const Url url_;
  const TlsSetup tls_;  // read by every thread; immutable
  std::mutex mutex_;  // guards jobs_ and stopping_ (set by cancel())
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mailbox::clients
