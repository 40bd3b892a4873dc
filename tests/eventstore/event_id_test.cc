#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <vector>

#include "core/eventstore/event_id.h"

using namespace mailbox::eventstore;

namespace {

int version(const EventId& id) { return id[6] >> 4; }
int variant_bits(const EventId& id) { return id[8] >> 6; }

bool all_distinct(std::vector<EventId> ids) {
  std::sort(ids.begin(), ids.end());
  return std::adjacent_find(ids.begin(), ids.end()) == ids.end();
}

struct ForkedDraw {
  std::vector<EventId> parent, child;
  bool child_exited_cleanly = false;
};

// Draws one id (so this thread's random buffer holds unused bytes), forks, and lets
// parent and child each draw `count` more ids with `make`; the child sends its ids back
// through a pipe.
template <typename Make>
ForkedDraw draw_across_fork(Make make, std::size_t count) {
  ForkedDraw result;
  (void)make();
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(fds[0]);
    std::vector<EventId> ids(count);
    for (auto& id : ids) id = make();
    const auto* at = reinterpret_cast<const char*>(ids.data());
    std::size_t left = ids.size() * sizeof(EventId);
    while (left > 0) {
      const ssize_t n = ::write(fds[1], at, left);
      if (n <= 0) ::_exit(1);
      at += n;
      left -= static_cast<std::size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  for (std::size_t i = 0; i < count; ++i) result.parent.push_back(make());

  // The child's ids, read with a bounded wait: a child that hangs fails the test.
  result.child.resize(count);
  auto* into = reinterpret_cast<char*>(result.child.data());
  const std::size_t total = count * sizeof(EventId);
  std::size_t got = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got < total && std::chrono::steady_clock::now() < deadline) {
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    const ssize_t n = ::read(fds[0], into + got, total - got);
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fds[0]);
  result.child.resize(got / sizeof(EventId));
  int status = 0;
  pid_t waited = 0;
  while ((waited = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < deadline)
    ::poll(nullptr, 0, 10);
  if (waited == 0) {
    ::kill(pid, SIGKILL);
    waited = ::waitpid(pid, &status, 0);
  }
  REQUIRE(waited == pid);
  result.child_exited_cleanly = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return result;
}

std::size_t in_common(const std::vector<EventId>& a, const std::vector<EventId>& b) {
  std::size_t shared = 0;
  for (const auto& id : a) shared += static_cast<std::size_t>(std::count(b.begin(), b.end(), id));
  return shared;
}

}  // namespace

TEST_CASE("a forked child and its parent draw different event ids") {
  const ForkedDraw drawn = draw_across_fork([] { return new_event_id(); }, 64);
  REQUIRE(drawn.child_exited_cleanly);
  REQUIRE(drawn.child.size() == 64);
  CHECK(in_common(drawn.parent, drawn.child) == 0);
}

TEST_CASE("new_event_id makes version 4 ids with the RFC 4122 variant, 100k of them all distinct") {
  std::vector<EventId> ids(100'000);
  for (auto& id : ids) id = new_event_id();
  for (const auto& id : ids) {
    REQUIRE(version(id) == 4);
    REQUIRE(variant_bits(id) == 0b10);
  }
  CHECK(all_distinct(ids));
}
