#pragma once
// Sends per principal: a token bucket for each (the token's subject; in open mode, the
// sender's number), refilled at `rate` per second up to `burst`. Thread-safe.
// Buckets back at full are forgotten once there are many, so that memory stays bounded
// by the principals active within about burst/rate seconds.

#include <chrono>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace mailbox::server {

class SendLimiter {
 public:
  // Buckets kept before the full ones are dropped.
  static constexpr std::size_t kSweepAbove = 100'000;

  // rate 0: no limit (take always allows).
  SendLimiter(double rate, double burst);

  // Takes one send from the principal's bucket: nullopt when allowed, else how long until
  // one is.
  std::optional<std::chrono::milliseconds> take(std::string_view principal);
  bool enabled() const { return rate_ > 0; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  double refilled(const Bucket& b, Clock::time_point now) const;

  const double rate_, burst_;
  std::mutex mutex_;
  std::map<std::string, Bucket, std::less<>> buckets_;
};

}  // namespace mailbox::server
