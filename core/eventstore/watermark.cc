#include "core/eventstore/watermark.h"

#include <utility>

namespace mailbox::eventstore {

void Watermark::advance(std::uint64_t position) {
  std::lock_guard lock(mutex_);
  if (position <= position_.load(std::memory_order_relaxed)) return;
  position_.store(position, std::memory_order_release);
  for (auto& [id, listener] : listeners_) listener(position);
  moved_.notify_all();
}

bool Watermark::wait_for(std::uint64_t position, std::chrono::milliseconds timeout) const {
  if (get() >= position) return true;
  std::unique_lock lock(mutex_);
  return moved_.wait_for(lock, timeout, [&] { return get() >= position; });
}

void Watermark::wait_past(std::uint64_t after, const std::atomic<bool>& stop_flag) const {
  std::unique_lock lock(mutex_);
  moved_.wait(lock, [&] { return get() > after || stop_flag; });
}

void Watermark::wake_all() const {
  std::lock_guard lock(mutex_);
  moved_.notify_all();
}

Watermark::Subscription Watermark::subscribe(Listener listener) const {
  std::lock_guard lock(mutex_);
  const std::uint64_t id = next_id_++;
  listeners_.emplace(id, std::move(listener));
  return Subscription(this, id);
}

Watermark::Subscription::Subscription(Subscription&& other) noexcept
    : owner_(std::exchange(other.owner_, nullptr)), id_(other.id_) {}

Watermark::Subscription& Watermark::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    reset();
    owner_ = std::exchange(other.owner_, nullptr);
    id_ = other.id_;
  }
  return *this;
}

Watermark::Subscription::~Subscription() { reset(); }

void Watermark::Subscription::reset() {
  if (!owner_) return;
  std::lock_guard lock(owner_->mutex_);
  owner_->listeners_.erase(id_);
  owner_ = nullptr;
}

}  // namespace mailbox::eventstore
