#include "clients/client_pool.h"

namespace mailbox::clients {

ClientPool::ClientPool(Url url, int threads) : url_(std::move(url)) {
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

void ClientPool::work() {
  HttpClient client(url_);
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
