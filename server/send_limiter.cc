#include "server/send_limiter.h"

#include <algorithm>
#include <cmath>

namespace mailbox::server {

SendLimiter::SendLimiter(double rate, double burst) : rate_(rate), burst_(std::max(burst, 1.0)) {}

double SendLimiter::refilled(const Bucket& b, Clock::time_point now) const {
  const double seconds = std::chrono::duration<double>(now - b.at).count();
  return std::min(burst_, b.tokens + seconds * rate_);
}

std::optional<std::chrono::milliseconds> SendLimiter::take(std::string_view principal) {
  if (!enabled()) return std::nullopt;
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(principal);
  if (it == buckets_.end()) {
    if (buckets_.size() >= kSweepAbove)
      std::erase_if(buckets_, [&](const auto& entry) { return refilled(entry.second, now) >= burst_; });
    it = buckets_.emplace(std::string(principal), Bucket{burst_, now}).first;
  }
  Bucket& b = it->second;
  b.tokens = refilled(b, now);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<long long>(std::ceil((1 - b.tokens) / rate_ * 1000)));
}

}  // namespace mailbox::server
