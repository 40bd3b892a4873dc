#include <doctest/doctest.h>

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <thread>
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

namespace {

int counter_of(const EventId& id) { return ((id[6] & 0x0f) << 8) | id[7]; }

std::int64_t system_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

TEST_CASE("a forked child and its parent draw different time-ordered ids") {
  const ForkedDraw drawn = draw_across_fork([] { return new_time_ordered_id(); }, 64);
  REQUIRE(drawn.child_exited_cleanly);
  REQUIRE(drawn.child.size() == 64);
  CHECK(in_common(drawn.parent, drawn.child) == 0);
}

TEST_CASE("uuid7_unix_ms reads the time field of the RFC 9562 example id") {
  const auto id = parse_event_id("017f22e2-79b0-7cc3-98c4-dc0c0c07398f");
  REQUIRE(id.has_value());
  CHECK(uuid7_unix_ms(*id) == 1645557742000);  // 2022-02-22T19:22:22Z
}

TEST_CASE("a time-ordered id is version 7 with variant 10 and carries the current Unix time in milliseconds") {
  const std::int64_t before = system_clock_ms();
  const EventId id = new_time_ordered_id();
  const std::int64_t after = system_clock_ms();
  CHECK(version(id) == 7);
  CHECK(variant_bits(id) == 0b10);
  CHECK(to_string(id)[14] == '7');
  CHECK(uuid7_unix_ms(id) >= before - 2000);
  CHECK(uuid7_unix_ms(id) <= after + 2000);
}

TEST_CASE("100k time-ordered ids drawn from 4 threads are all distinct and increase strictly within each thread") {
  constexpr int kThreads = 4, kPerThread = 25'000;
  std::vector<std::vector<EventId>> drawn(kThreads, std::vector<EventId>(kPerThread));
  {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&ids = drawn[t]] {
        for (auto& id : ids) id = new_time_ordered_id();
      });
    for (auto& t : threads) t.join();
  }
  std::vector<EventId> all;
  for (const auto& ids : drawn) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      REQUIRE(version(ids[i]) == 7);
      REQUIRE(variant_bits(ids[i]) == 0b10);
      if (i > 0) REQUIRE(ids[i - 1] < ids[i]);
    }
    all.insert(all.end(), ids.begin(), ids.end());
  }
  CHECK(all_distinct(all));
  // The ordering holds across threads too: no two ids share (milliseconds, counter).
  for (auto& id : all) std::fill(id.begin() + 8, id.end(), 0);
  CHECK(all_distinct(all));
}

TEST_CASE("time-ordered ids keep increasing when a millisecond's 4096 counter values run out") {
  // Draws in a tight loop (more than 4096 ids) until some millisecond has used all its
  // counter values and the next id has been made: that one borrows the following
  // millisecond, unless the clock has moved on by itself.
  EventId prev = new_time_ordered_id();
  std::size_t drawn = 0, ran_out = 0, out_of_order = 0, bad_successor = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (drawn < 5000 || ran_out == 0) {
    if (drawn % 1024 == 0 && std::chrono::steady_clock::now() > deadline) break;
    const EventId id = new_time_ordered_id();
    ++drawn;
    if (!(prev < id)) ++out_of_order;
    if (counter_of(prev) == 0xfff) {
      ++ran_out;
      if (counter_of(id) != 0 || uuid7_unix_ms(id) <= uuid7_unix_ms(prev)) ++bad_successor;
    }
    prev = id;
  }
  INFO(drawn << " ids drawn");
  REQUIRE(ran_out > 0);
  CHECK(out_of_order == 0);
  CHECK(bad_successor == 0);
}

TEST_CASE("an id derived at a position carries it first: stable, ordered by position, distinct by purpose and source") {
  const EventId source = new_event_id(), other = new_event_id();
  const EventId id = derive_event_id_at(0x0102030405060708ULL, source, "saved");
  CHECK(id == derive_event_id_at(0x0102030405060708ULL, source, "saved"));
  // The low 48 bits of the position, big-endian; the rest is derive_event_id's.
  CHECK(std::vector<std::uint8_t>(id.begin(), id.begin() + 6) == std::vector<std::uint8_t>{3, 4, 5, 6, 7, 8});
  const EventId hashed = derive_event_id(source, "saved");
  CHECK(std::equal(id.begin() + 6, id.end(), hashed.begin() + 6));
  CHECK(version(id) == 8);
  CHECK((id[8] >> 6) == 2);
  CHECK(derive_event_id_at(5, source, "saved") != derive_event_id_at(5, source, "alarm-sent"));
  CHECK(derive_event_id_at(5, source, "saved") != derive_event_id_at(5, other, "saved"));
  // Later positions compare greater, whatever the sources and purposes.
  EventId previous{};
  for (std::uint64_t position = 1; position < 100'000; position += 997) {
    const EventId next = derive_event_id_at(position, new_event_id(), position % 2 ? "saved" : "alarm-sent");
    CHECK(previous < next);
    previous = next;
  }
}
