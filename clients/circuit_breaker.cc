#include "clients/circuit_breaker.h"

namespace mailbox::clients {

bool CircuitBreaker::allow() {
  std::lock_guard lock(mutex_);
  switch (state_) {
    case State::closed: return true;
    case State::open:
      if (Clock::now() < open_until_) return false;
      state_ = State::half_open;
      probe_out_ = true;
      return true;
    case State::half_open:
      if (probe_out_) return false;
      probe_out_ = true;
      return true;
  }
  return false;
}

void CircuitBreaker::record_not_made() {
  std::lock_guard lock(mutex_);
  if (state_ == State::half_open) probe_out_ = false;
}

void CircuitBreaker::record_success() {
  std::lock_guard lock(mutex_);
  state_ = State::closed;
  failures_ = 0;
  probe_out_ = false;
}

void CircuitBreaker::record_failure() {
  std::lock_guard lock(mutex_);
  probe_out_ = false;
  if (state_ == State::half_open || ++failures_ >= options_.failure_threshold) {
    if (state_ != State::open) ++opened_;
    state_ = State::open;
    open_until_ = Clock::now() + options_.cool_down;
    failures_ = 0;
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

std::string_view CircuitBreaker::name(State s) {
  switch (s) {
    case State::closed: return "closed";
    case State::open: return "open";
    case State::half_open: return "half_open";
  }
  return "unknown";
}

std::uint64_t CircuitBreaker::times_opened() const {
  std::lock_guard lock(mutex_);
  return opened_;
}

}  // namespace mailbox::clients
