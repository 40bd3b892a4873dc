#pragma once
// Long versions of the crash and catch-up tests: the same test case runs with more
// rounds (or more data) when CTest's soak entries set MAILBOX_SOAK_ROUNDS or
// MAILBOX_SOAK_MESSAGES (see tests/CMakeLists.txt; run them with ctest -L soak).

#include <cstdlib>
#include <string>

namespace mailbox::testing {

// The environment variable as a positive number, or fallback when unset or malformed.
inline int soak_setting(const char* name, int fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr) return fallback;
  try {
    const int n = std::stoi(text);
    return n > 0 ? n : fallback;
  } catch (...) {
    return fallback;
  }
}

}  // namespace mailbox::testing
