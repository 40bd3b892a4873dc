#pragma once
// A circuit breaker for calls to another service. Closed: calls go through and
// consecutive failures are counted; at the threshold it opens. Open: calls are refused
// at once, without touching the service, until the cool-down has passed; then one call
// (the probe) goes through. The probe's success closes it; its failure opens it again.
// Thread-safe.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string_view>

namespace mailbox::clients {

struct BreakerOptions {
  int failure_threshold = 5;
  std::chrono::milliseconds cool_down{5000};
};

class CircuitBreaker {
 public:
  enum class State { closed, open, half_open };
  explicit CircuitBreaker(BreakerOptions options = {}) : options_(options) {}

  // Whether a call may go now. When it returns true the caller must report the outcome.
  bool allow();
  // A call allowed but not made (shutting down, or its deadline passed while queued):
  // its outcome says nothing of the service; the probe slot, if it held it, is free again.
  void record_not_made();
  void record_success();
  void record_failure();
  State state() const;
  static std::string_view name(State s);
  std::uint64_t times_opened() const;

 private:
  using Clock = std::chrono::steady_clock;
  const BreakerOptions options_;
  mutable std::mutex mutex_;  // guards everything below
  State state_ = State::closed;
  int failures_ = 0;
  bool probe_out_ = false;
  Clock::time_point open_until_{};
  std::uint64_t opened_ = 0;
};

}  // namespace mailbox::clients
