#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <random>
#include <semaphore>
#include <thread>

#include "app/catalog.h"
#include "app/engine.h"
#include "core/projections/rebuild.h"
#include "tests/support/soak.h"
#include "tests/support/engine_parts.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/view_dump.h"

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

struct Counts {
  std::uint64_t sent = 0, saved = 0, alarmed = 0;
};

// Checks what must hold at any moment, however the last run ended; returns the counts.
Counts check_consistent(const std::string& dir) {
  app::EngineOptions options;
  options.data_dir = dir;
  auto engine = std::move(app::Engine::open(options).value());
  auto& log = testing::log_of(*engine);
  const std::uint64_t mailbox_cp = log.checkpoint("mailbox-policy").value().value_or(0);
  const std::uint64_t alarm_cp = log.checkpoint("alarm-policy").value().value_or(0);

  struct Story {
    std::uint64_t sent_at = 0, saved_at = 0;
    int saved = 0, alarm_sent = 0, alarm_arrived = 0;
  };
  std::map<std::string, Story> stories;
  Counts counts;
  std::uint64_t sources_alarmed_by_cp = 0;
  REQUIRE(log.scan_log(1, UINT64_MAX, [&](eventstore::RecordedEvent&& e) {
               auto decoded = app::decode(e);
               REQUIRE(decoded.has_value());
               Story& s = stories[e.stream];
               if (std::holds_alternative<app::Sent>(*decoded)) {
                 ++counts.sent;
                 s.sent_at = e.position;
                 if (e.position <= alarm_cp) ++sources_alarmed_by_cp;
               } else if (std::holds_alternative<app::Saved>(*decoded)) {
                 ++counts.saved;
                 ++s.saved;
                 s.saved_at = e.position;
                 if (e.position <= alarm_cp) ++sources_alarmed_by_cp;
               } else if (const auto* a = std::get_if<app::Alarmed>(&*decoded)) {
                 ++counts.alarmed;
                 ++(a->kind == app::AlarmKind::sent ? s.alarm_sent : s.alarm_arrived);
               }
               return true;
             }).has_value());

  for (const auto& [stream, s] : stories) {
    CAPTURE(stream);
    REQUIRE(s.sent_at > 0);
    CHECK(s.saved <= 1);
    CHECK(s.alarm_sent <= 1);
    CHECK(s.alarm_arrived <= 1);
    // Exactly once up to the checkpoints, nothing past them.
    CHECK(s.saved == (s.sent_at <= mailbox_cp ? 1 : 0));
    CHECK(s.alarm_sent == (s.sent_at <= alarm_cp ? 1 : 0));
    CHECK(s.alarm_arrived == (s.saved && s.saved_at <= alarm_cp ? 1 : 0));
  }
  CHECK(counts.alarmed == sources_alarmed_by_cp);
  MESSAGE("checkpoints: mailbox " << mailbox_cp << ", alarm " << alarm_cp << " of head " << log.head());

  // Each view equals a fresh build from the log up to the view's own checkpoint.
  for (const auto& entry : app::views()) {
    const auto p = entry.make();
    auto& views = testing::views_of(*engine);
    const auto generation = views.active_generation(p->name()).value();
    const std::uint64_t cp = views.checkpoint(p->name(), generation).value();
    auto fresh = projections::build_generation(log, views, *p, cp);
    REQUIRE(fresh.has_value());
    CHECK(fresh->position == cp);
    CHECK(testing::dump(views, p->name(), fresh->generation) == testing::dump(views, p->name(), generation));
    REQUIRE(views.drop(p->name(), fresh->generation).has_value());
  }
  return counts;
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
