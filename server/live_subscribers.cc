#include "server/live_subscribers.h"

#include <atomic>

namespace mailbox::server {

// The stream with its ticket: given back once, at cancel (the connection closed) or
// when the stream ends.
class LiveSubscribers::Counted final : public ChunkStream {
 public:
  Counted(std::shared_ptr<ChunkStream> inner, std::shared_ptr<State> state, std::string principal)
      : inner_(std::move(inner)), state_(std::move(state)), principal_(std::move(principal)) {}
  ~Counted() override { release(); }

  void next(std::function<void(std::optional<std::string>)> deliver) override {
    inner_->next([this, deliver = std::move(deliver)](std::optional<std::string> chunk) {
      if (!chunk) release();
      deliver(std::move(chunk));
    });
  }
  void cancel() override {
    release();
    inner_->cancel();
  }

 private:
  void release() {
    if (released_.exchange(true)) return;
    std::lock_guard lock(state_->mutex);
    --state_->total;
    if (!principal_.empty())
      if (auto it = state_->per_principal.find(principal_); it != state_->per_principal.end() && --it->second == 0)
        state_->per_principal.erase(it);
  }

  std::shared_ptr<ChunkStream> inner_;
  std::shared_ptr<State> state_;
  const std::string principal_;
  std::atomic<bool> released_{false};
};

LiveSubscribers::LiveSubscribers(std::size_t max_total) : max_total_(max_total), state_(std::make_shared<State>()) {}

std::shared_ptr<ChunkStream> LiveSubscribers::admit(std::shared_ptr<ChunkStream> stream, std::string_view principal) {
  {
    std::lock_guard lock(state_->mutex);
    if (state_->total >= max_total_) return nullptr;
    if (!principal.empty()) {
      auto it = state_->per_principal.find(principal);
      if (it != state_->per_principal.end() && it->second >= kPerPrincipal) return nullptr;
      if (it == state_->per_principal.end()) it = state_->per_principal.emplace(std::string(principal), 0).first;
      ++it->second;
    }
    ++state_->total;
  }
  return std::make_shared<Counted>(std::move(stream), state_, std::string(principal));
}

std::size_t LiveSubscribers::open() const {
  std::lock_guard lock(state_->mutex);
  return state_->total;
}

}  // namespace mailbox::server
