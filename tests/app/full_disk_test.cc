#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <semaphore>
#include <string>

#include "app/engine.h"
#include "tests/support/derived_events.h"
#include "tests/support/eventually.h"
#include "tests/support/faulty_file_system.h"
#include "tests/support/recording_sink.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;

namespace {

// Sends n messages and waits for every answer; returns how many were stored.
int send_many(app::Engine& engine, int n, int& counter) {
  std::counting_semaphore<64> slots(64);
  std::atomic<int> stored{0};
  for (int i = 0; i < n; ++i) {
    slots.acquire();
    engine.send().send({"01012345678", "0109999" + std::to_string(1000 + counter % 50),
                        "full disk " + std::to_string(counter) + " " + std::string(300, 'x'), std::nullopt},
                       [&](app::Result<commands::SendResult> r) {
                         if (r) ++stored;
                         slots.release();
                       });
    ++counter;
  }
  for (int i = 0; i < 64; ++i) slots.acquire();
  return stored;
}

// An engine over dir writing through env, started.
std::unique_ptr<app::Engine> start_engine(const testing::TempDir& dir, rocksdb::Env* env, testing::RecordingSink& sink,
                                          std::size_t views_memtable_budget_bytes = projections::kViewsMemtableBudgetBytes) {
  app::EngineOptions options;
  options.data_dir = dir.str();
  options.store.env = env;
  options.alarm_sink = &sink;
  options.views_memtable_budget_bytes = views_memtable_budget_bytes;
  auto engine = std::move(app::Engine::open(options).value());
  REQUIRE(engine->start().has_value());
  return engine;
}

bool caught_up(const app::EngineStatus& status) {
  for (const auto& f : status.followers)
    if (f.error || f.position != status.head) return false;
  return true;
}

}  // namespace

TEST_CASE("views whose database cannot flush for want of space fall behind, say disk_full, and catch up by themselves once there is room") {
  testing::TempDir dir;
  auto [fs, env] = testing::FaultyFileSystem::make();
  testing::RecordingSink sink;
  auto engine = start_engine(dir, env.get(), sink, 64u << 10);  // the views flush often; the log does not
  int counter = 0;
  REQUIRE(send_many(*engine, 100, counter) == 100);
  REQUIRE(testing::eventually([&] { return caught_up(engine->status()); }));

  // Table files cannot be written: the views' flushes fail, the log's appends go on.
  fs->fail_table_writes(true, true);
  int stored = 100;
  REQUIRE_MESSAGE(testing::eventually(
                      [&] {
                        stored += send_many(*engine, 50, counter);
                        return app::health_of(engine->status()).code == "disk_full";
                      },
                      std::chrono::seconds(30), std::chrono::milliseconds(10)),
                  "the views never said the disk was full: " << app::health_of(engine->status()).reason);
  CHECK(stored == counter);  // every send was stored meanwhile
  const auto health = app::health_of(engine->status());
  CHECK(health.reason.find("is behind: the disk is full") != std::string::npos);
  CHECK_FALSE(engine->status().log_failure.has_value());
  REQUIRE(testing::eventually([&] { return engine->status().head > 0; }));
  CHECK_FALSE(caught_up(engine->status()));

  // Room again: the views resume their database and catch up, without a restart.
  fs->fail_table_writes(false);
  REQUIRE_MESSAGE(testing::eventually([&] { return caught_up(engine->status()); }, std::chrono::seconds(30)),
                  "the views did not catch up: " << app::health_of(engine->status()).reason);
  CHECK(app::health_of(engine->status()).ok());
  engine->stop();
  const auto counts = testing::check_derived_exactly_once(*engine);
  CHECK(counts.sent == static_cast<std::uint64_t>(stored));
  CHECK(counts.saved == counts.sent);
}

TEST_CASE("a log on a full disk says disk_full in readiness, and is well again by itself once there is room") {
  testing::TempDir dir;
  auto [fs, env] = testing::FaultyFileSystem::make();
  testing::RecordingSink sink;
  auto engine = start_engine(dir, env.get(), sink);
  int counter = 0;
  REQUIRE(send_many(*engine, 20, counter) == 20);

  fs->fill_disk(true);
  auto refused = engine->send().send_and_wait({"01012345678", "01099998888", "no room", std::nullopt});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().reason == "disk_full");
  auto health = app::health_of(engine->status());
  CHECK(health.code == "disk_full");
  CHECK(health.reason.find("without a restart") != std::string::npos);

  fs->fill_disk(false);
  REQUIRE_MESSAGE(testing::eventually([&] { return app::health_of(engine->status()).ok(); }, std::chrono::seconds(15)),
                  "still not well: " << app::health_of(engine->status()).reason);
  auto later = engine->send().send_and_wait({"01012345678", "01099998888", "room again", std::nullopt});
  REQUIRE(later.has_value());
  CHECK(later->position <= engine->status().head);  // the policies may have appended since
  REQUIRE(testing::eventually([&] { return caught_up(engine->status()); }, std::chrono::seconds(15)));
  engine->stop();
  const auto counts = testing::check_derived_exactly_once(*engine);
  CHECK(counts.sent == 21);
  CHECK(counts.alarmed == counts.sent + counts.saved);
}
