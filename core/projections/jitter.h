#pragma once
// Backoff with jitter for the log's followers: a pause between half and all of d, so
// that retries of several followers do not come in lockstep.

#include <chrono>
#include <random>

namespace mailbox::projections {

inline std::chrono::milliseconds with_jitter(std::chrono::milliseconds d) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  const auto half = d.count() / 2;
  return std::chrono::milliseconds(half + static_cast<long>(rng() % static_cast<unsigned long>(half + 1)));
}

}  // namespace mailbox::projections
