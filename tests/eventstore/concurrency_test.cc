#include <doctest/doctest.h>

#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "core/eventstore/event_store.h"
#include "tests/support/events.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::eventstore;
using mailbox::testing::events;
using mailbox::testing::TempDir;

namespace {

struct Success {
  std::string stream;
  std::size_t count;
  AppendResult result;
};

struct Conflict {
  std::string stream;
  ExpectedVersion expected;
  std::uint64_t reported;
  std::uint64_t head_before, head_after;
};

}  // namespace

TEST_CASE("concurrent appends to shared streams keep positions gapless and versions exact") {
  TempDir dir;
  auto store = std::move(EventStore::open(dir.str()).value());
  const std::vector<std::string> streams = {"s0", "s1", "s2", "s3", "s4"};
  constexpr int kThreads = 8, kAppendsPerThread = 250;

  std::mutex mutex;
  std::vector<Success> successes;
  std::vector<Conflict> conflicts;
  std::vector<std::string> other_errors;

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1234 + t);
      for (int i = 0; i < kAppendsPerThread; ++i) {
        const std::string& stream = streams[rng() % streams.size()];
        const std::uint64_t seen = store->stream_version(stream).value();
        ExpectedVersion expected;
        switch (rng() % 5) {
          case 0: expected = ExpectedVersion::any(); break;
          case 1: expected = ExpectedVersion::no_stream(); break;
          case 2: expected = ExpectedVersion::exactly(seen + rng() % 3); break;
          default: expected = ExpectedVersion::exactly(seen); break;
        }
        const std::size_t count = 1 + rng() % 3;
        const std::uint64_t head_before = store->head();
        auto r = store->append(stream, expected, events(static_cast<int>(count)));
        const std::uint64_t head_after = store->head();
        std::lock_guard lock(mutex);
        if (r) successes.push_back({stream, count, *r});
        else if (r.error().code == Code::aborted && r.error().current_version)
          conflicts.push_back({stream, expected, *r.error().current_version, head_before, head_after});
        else other_errors.push_back(r.error().message);
      }
    });
  }
  for (auto& t : threads) t.join();

  CHECK(other_errors.empty());
  REQUIRE(!successes.empty());
  REQUIRE(!conflicts.empty());

  // Every position from 1 to head belongs to exactly one successful append.
  std::map<std::uint64_t, const Success*> by_first;
  for (const auto& s : successes) {
    CHECK(s.result.last_position - s.result.first_position + 1 == s.count);
    CHECK(by_first.emplace(s.result.first_position, &s).second);
  }
  std::uint64_t next = 1;
  for (const auto& [first, s] : by_first) {
    CHECK(first == next);
    next = s->result.last_position + 1;
  }
  CHECK(next - 1 == store->head());

  // Replaying the successes in position order gives each success's reported version,
  // and the versions each stream had.
  std::map<std::string, std::uint64_t> version;
  std::map<std::string, std::map<std::uint64_t, std::uint64_t>> version_at;  // stream -> position -> version
  for (const auto& [first, s] : by_first) {
    version[s->stream] += s->count;
    CHECK(s->result.stream_version == version[s->stream]);
    version_at[s->stream][s->result.last_position] = version[s->stream];
  }
  for (const auto& name : streams) CHECK(store->stream_version(name).value() == version[name]);

  auto version_when = [&](const std::string& stream, std::uint64_t head) -> std::uint64_t {
    const auto& history = version_at[stream];
    auto it = history.upper_bound(head);
    return it == history.begin() ? 0 : std::prev(it)->second;
  };
  for (const auto& c : conflicts) {
    CHECK_FALSE(c.expected.matches(c.reported));
    // The reported version is one the stream really had between the call and its answer.
    CHECK(c.reported >= version_when(c.stream, c.head_before));
    CHECK(c.reported <= version_when(c.stream, c.head_after));
    bool existed = c.reported == 0;
    for (const auto& [pos, v] : version_at[c.stream]) existed = existed || v == c.reported;
    CHECK(existed);
  }

  // The stored log agrees with what the callers were told.
  auto log = store->read_log(1, 1'000'000).value();
  REQUIRE(log.size() == store->head());
  for (const auto& s : successes) {
    for (std::uint64_t p = s.result.first_position; p <= s.result.last_position; ++p) {
      CHECK(log[p - 1].stream == s.stream);
      CHECK(log[p - 1].version == s.result.stream_version - (s.result.last_position - p));
    }
  }
}
