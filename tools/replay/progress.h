#pragma once
// Progress of a long run on stderr: on a terminal a bar redrawn in place (done, rate,
// ETA); otherwise one line every few seconds, so that logs stay readable.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace mailbox::replay {

class Progress {
 public:
  Progress(std::string label, std::uint64_t total);
  // Thread-safe; cheap when called often.
  void update(std::uint64_t done);
  // Final line (a bar is completed and its line ended).
  void finish();

 private:
  void draw(std::uint64_t done, bool final);
  using Clock = std::chrono::steady_clock;
  const std::string label_;
  const std::uint64_t total_;
  const bool terminal_;
  const Clock::time_point started_ = Clock::now();
  std::mutex mutex_;
  Clock::time_point last_draw_{};
  std::uint64_t done_ = 0;
};

}  // namespace mailbox::replay
