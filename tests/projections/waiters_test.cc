// Waiting on watermarks without a thread per waiter.
#include <doctest/doctest.h>

#include <future>
#include <memory>
#include <mutex>
#include <set>
#include <stop_token>
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

TEST_CASE("a watermark that moves while nobody waits wakes no dispatch thread, and one wait makes its moves count") {
  eventstore::Watermark mark;
  projections::PositionWaiters waiters;
  waiters.watch(mark);
  std::this_thread::sleep_for(20ms);  // the dispatch thread asleep
  const auto before = waiters.looks();
  for (std::uint64_t p = 1; p <= 10'000; ++p) mark.advance(p);
  std::this_thread::sleep_for(50ms);
  CHECK(waiters.looks() == before);

  std::atomic<int> answer{0};
  waiters.wait(mark, 20'000, 10s, [&](bool ok) { answer = ok ? 1 : 2; });
  for (std::uint64_t p = 10'001; p <= 20'000; ++p) mark.advance(p);
  REQUIRE_MESSAGE(eventually([&] { return answer != 0; }, 5s), "the wait was never answered");
  CHECK(answer == 1);
  CHECK(waiters.looks() > before);
}

TEST_CASE("waits taken one after another on a watermark moving on another thread are each answered, none left to "
          "its deadline") {
  eventstore::Watermark mark;
  projections::PositionWaiters waiters;
  waiters.watch(mark);
  // The mover goes one step at a time and stops at each wait's target until the next
  // wait: a move that raced with a wait's registration and woke nobody would leave
  // that wait to its deadline.
  std::atomic<std::uint64_t> allowed{0};
  std::jthread mover([&](std::stop_token stop) {  // stopped and joined however the test ends
    for (std::uint64_t p = 1; !stop.stop_requested(); ++p) {
      while (!stop.stop_requested() && p > allowed.load()) std::this_thread::yield();
      mark.advance(p);
    }
  });
  for (int i = 0; i < 5000; ++i) {
    auto answered = std::make_shared<std::promise<bool>>();  // outlives a failed check: waits end later
    auto future = answered->get_future();
    const std::uint64_t target = mark.get() + 1;
    allowed = target;  // the mover may reach it now, before or after the wait registers
    waiters.wait(mark, target, 5s, [answered](bool ok) { answered->set_value(ok); });
    REQUIRE_MESSAGE(future.wait_for(2s) == std::future_status::ready, "wait " << i << " was not answered in time");
    REQUIRE(future.get());
  }
}
