#pragma once
// Bounded waiting for a condition another thread or process makes true: polls it until
// it holds or the timeout passes, and says which. Use it as
// REQUIRE(eventually([&] { ... })) so that a wait that never ends fails with a message
// instead of hanging the suite.

#include <chrono>
#include <thread>

namespace mailbox::testing {

template <class F>
bool eventually(F condition, std::chrono::milliseconds timeout = std::chrono::seconds(10),
                std::chrono::milliseconds every = std::chrono::milliseconds(2)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(every);
  }
  return condition();
}

}  // namespace mailbox::testing
