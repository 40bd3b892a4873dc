#include <doctest/doctest.h>

#include <chrono>
#include <random>
#include <semaphore>
#include <thread>

#include "app/engine.h"
#include "tests/support/derived_events.h"
#include "tests/support/soak.h"
#include "tests/support/engine_parts.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using testing::ChildProcess;
using testing::TempDir;

namespace {

// The catch-up's size, and how many times it is killed (more in the soak entry).
int messages() { return mailbox::testing::soak_setting("MAILBOX_SOAK_MESSAGES", 20000); }
int rounds() { return mailbox::testing::soak_setting("MAILBOX_SOAK_ROUNDS", 8); }

void fill(const std::string& dir) {
  app::EngineOptions options;
  options.data_dir = dir;
  auto engine = std::move(app::Engine::open(options).value());
  std::counting_semaphore<512> slots(512);
  std::atomic<int> failures{0};
  for (int i = 0; i < messages(); ++i) {
    slots.acquire();
    engine->send().send({"0101111" + std::to_string(1000 + i % 97), "0109999" + std::to_string(1000 + i % 89),
                         "message " + std::to_string(i), std::nullopt},
                        [&](eventstore::Result<commands::SendResult> r) {
                          if (!r) ++failures;
                          slots.release();
                        });
  }
  for (int i = 0; i < 512; ++i) slots.acquire();
  REQUIRE(failures == 0);
  REQUIRE(testing::log_of(*engine).head() == messages());
}

using Counts = testing::DerivedCounts;

// Checks what must hold at any moment, however the last run ended; returns the counts.
Counts check_consistent(const std::string& dir) {
  app::EngineOptions options;
  options.data_dir = dir;
  auto engine = std::move(app::Engine::open(options).value());
  return testing::check_derived_exactly_once(*engine);
}

}  // namespace

TEST_CASE("policies and projections killed repeatedly during catch-up derive every event exactly once") {
  TempDir dir;
  fill(dir.str());
  std::mt19937 rng(std::random_device{}());
  for (int round = 0; round < rounds(); ++round) {
    ChildProcess runner(ENGINE_RUNNER_PATH, {dir.str()});
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 400));  // a random moment to crash
    // The crash falls inside the catch-up: the runner has not said it is idle.
    const std::string said = runner.read_lines(1, std::chrono::milliseconds(0));
    runner.kill();
    const auto result = runner.wait();
    CHECK(result.exit_code == -1);
    const bool caught_up = said.find("idle") != std::string::npos || result.out.find("idle") != std::string::npos;
    CHECK_MESSAGE(!caught_up, "round " << round << ": the runner had caught up before it was killed");
    check_consistent(dir.str());
  }
  // Let it finish, then everything derived is there exactly once.
  ChildProcess runner(ENGINE_RUNNER_PATH, {dir.str()});
  CHECK(runner.read_lines(1, std::chrono::seconds(120)).rfind("idle ", 0) == 0);
  runner.kill();
  runner.wait();
  const Counts counts = check_consistent(dir.str());
  CHECK(counts.sent == messages());
  CHECK(counts.saved == counts.sent);
  CHECK(counts.alarmed == counts.sent + counts.saved);
}
