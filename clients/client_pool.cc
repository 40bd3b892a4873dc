#include "clients/client_pool.h"

#include <spdlog/spdlog.h>

namespace mailbox::clients {

namespace {
TlsSetup load_tls(const Url& url, const TlsOptions& options) {
  if (!url.tls) return std::shared_ptr<const TlsContext>();
  auto loaded = TlsContext::load(options);
  if (!loaded) spdlog::error("{}: every call will fail: {}", url.str(), loaded.error().message);
  return loaded;
}
}  // namespace

ClientPool::ClientPool(Url url, const TlsOptions& tls, int threads) : url_(std::move(url)), tls_(load_tls(url_, tls)) {
  for (int i = 0; i < std::max(1, threads); ++i) threads_.emplace_back([this] { work(); });
}

ClientPool::~ClientPool() {
  cancel();
  for (auto& t : threads_) t.join();
}

void ClientPool::cancel() {
  std::deque<Job> left;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    left.swap(jobs_);
  }
  wake_.notify_all();
  for (auto& job : left) job(nullptr);
}

void ClientPool::post(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      jobs_.push_back(std::move(job));
      wake_.notify_one();
      return;
    }
  }
  job(nullptr);
}

bool ClientPool::try_post(Job job, std::size_t max_waiting) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      if (jobs_.size() >= max_waiting) return false;
      jobs_.push_back(std::move(job));
      wake_.notify_one();
      return true;
    }
  }
  job(nullptr);
  return true;
}

void ClientPool::work() {
  HttpClient client(url_, tls_);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;  // what is left is answered by cancel()
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job(&client);
  }
}

}  // namespace mailbox::clients
