// Waiting on watermarks without a thread per waiter.
#include <doctest/doctest.h>

#include <mutex>
#include <set>
#include <thread>

#include "core/eventstore/watermark.h"
#include "core/projections/position_waiters.h"
#include "tests/support/eventually.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::eventually;

TEST_CASE("a moving watermark answers no waiter on its own thread: the dispatch thread does, each once") {
  eventstore::Watermark mark;
  projections::PositionWaiters waiters;
  waiters.watch(mark);
  constexpr int kWaiters = 2000;
  std::mutex mutex;
  std::multiset<std::thread::id> threads;
  std::atomic<int> reached{0}, missed{0};
  for (int i = 1; i <= kWaiters; ++i)
    waiters.wait(mark, static_cast<std::uint64_t>(i), 10s, [&](bool ok) {
      std::lock_guard lock(mutex);
      threads.insert(std::this_thread::get_id());
      (ok ? reached : missed)++;
    });
  CHECK(waiters.pending() == kWaiters);
  std::thread::id mover;
  std::thread([&] {
    mover = std::this_thread::get_id();
    for (int i = 1; i <= kWaiters; i += 7) mark.advance(static_cast<std::uint64_t>(i));
    mark.advance(kWaiters);
  }).join();
  REQUIRE(eventually([&] { return reached + missed == kWaiters; }));
  CHECK(reached == kWaiters);
  CHECK(threads.count(mover) == 0);
  CHECK(waiters.pending() == 0);
}

TEST_CASE("a wait ends false at its deadline, at once when reached already, and every wait ends when closed") {
  eventstore::Watermark mark(5);
  projections::PositionWaiters waiters;
  waiters.watch(mark);
  std::atomic<int> answers{0};
  std::atomic<bool> last{true};
  waiters.wait(mark, 5, 10s, [&](bool ok) { last = ok, ++answers; });  // reached already: on this thread
  CHECK(answers == 1);
  CHECK(last);

  const auto started = std::chrono::steady_clock::now();
  waiters.wait(mark, 6, 50ms, [&](bool ok) { last = ok, ++answers; });
  REQUIRE(eventually([&] { return answers == 2; }));
  CHECK_FALSE(last);
  CHECK(std::chrono::steady_clock::now() - started >= 50ms);

  waiters.wait(mark, 100, 60s, [&](bool ok) { last = ok, ++answers; });
  waiters.cancel_all(true);
  CHECK(answers == 3);
  CHECK_FALSE(last);
  waiters.wait(mark, 100, 60s, [&](bool ok) { last = ok, ++answers; });  // closed: answered at once
  CHECK(answers == 4);
  CHECK(waiters.pending() == 0);
}
