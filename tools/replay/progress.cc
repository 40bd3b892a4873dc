#include "tools/replay/progress.h"

#include <unistd.h>

#include <cstdio>

namespace mailbox::replay {

Progress::Progress(std::string label, std::uint64_t total)
    : label_(std::move(label)), total_(total), terminal_(::isatty(2) == 1) {}

void Progress::update(std::uint64_t done) {
  std::lock_guard lock(mutex_);
  done_ = done;
  const auto now = Clock::now();
  const auto every = terminal_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (now - last_draw_ < every) return;
  last_draw_ = now;
  draw(done, false);
}

void Progress::finish() {
  std::lock_guard lock(mutex_);
  draw(done_, true);
}

void Progress::draw(std::uint64_t done, bool final) {
  const double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
  const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
  const double fraction = total_ ? static_cast<double>(done) / static_cast<double>(total_) : 1.0;
  const double eta = rate > 0 && total_ > done ? static_cast<double>(total_ - done) / rate : 0;
  if (terminal_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stderr, "\r%s [%s] %3.0f%% %llu/%llu events, %.0f events/s, ETA %.0fs   %s", label_.c_str(),
                 bar.c_str(), fraction * 100, static_cast<unsigned long long>(done),
                 static_cast<unsigned long long>(total_), rate, eta, final ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s: %llu/%llu events (%.0f%%), %.0f events/s, ETA %.0fs\n", label_.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_), fraction * 100, rate,
                 eta);
  }
  std::fflush(stderr);
}

}  // namespace mailbox::replay
