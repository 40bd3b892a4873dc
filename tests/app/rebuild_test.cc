#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "app/catalog.h"
#include "app/engine.h"
#include "core/projections/rebuild.h"
#include "tests/support/engine_parts.h"
#include "tests/support/recording_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/view_dump.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::dump;
using testing::RecordingSink;
using testing::TempDir;

namespace {

std::unique_ptr<app::Engine> open_engine(const TempDir& dir, RecordingSink& sink) {
  app::EngineOptions options;
  options.data_dir = dir.str();
  options.alarm_sink = &sink;
  options.workers.batch_events = 64;  // many batches, so that a rebuild has several steps
  return std::move(app::Engine::open(options).value());
}

// Sends n messages to a few receivers and marks every third read; returns the last position.
std::uint64_t fill(app::Engine& engine, int n) {
  std::uint64_t last = 0;
  for (int i = 0; i < n; ++i) {
    auto sent = engine.send().send_and_wait({"0101111" + std::to_string(1000 + i % 7), "0109999" + std::to_string(1000 + i % 5),
                                             "message " + std::to_string(i), std::nullopt});
    REQUIRE(sent.has_value());
    last = sent->position;
    if (i % 3 == 0) {
      REQUIRE(engine.wait_visible("readmails", sent->position, 5s));
      auto read = engine.mark_read().mark_read_and_wait({sent->sent.message_id, sent->sent.receiver});
      REQUIRE(read.has_value());
      last = read->position;
    }
  }
  return last;
}

}  // namespace

TEST_CASE("an offline rebuild gives the same rows as the views built live") {
  TempDir dir;
  RecordingSink sink;
  auto engine = open_engine(dir, sink);
  REQUIRE(engine->start().has_value());
  const std::uint64_t last = fill(*engine, 120);
  REQUIRE(engine->wait_visible("readmails", last, 10s));
  REQUIRE(engine->wait_visible("alarms", last, 10s));
  engine->stop();  // nothing moves from here on

  for (const auto& entry : app::views()) {
    const auto projection = entry.make();
    auto& views = testing::views_of(*engine);
    const auto live_generation = views.active_generation(projection->name()).value();
    const auto live = dump(views, projection->name(), live_generation);
    REQUIRE(live.size() > 100);
    const int delivered = static_cast<int>(sink.delivered().size());

    auto rebuilt = projections::rebuild_offline(testing::log_of(*engine), views, *projection);
    REQUIRE(rebuilt.has_value());
    CHECK(rebuilt->generation != live_generation);
    CHECK(rebuilt->position == testing::log_of(*engine).head());
    CHECK(views.active_generation(projection->name()).value() == rebuilt->generation);
    CHECK(dump(views, projection->name(), rebuilt->generation) == live);
    CHECK(dump(views, projection->name(), live_generation).empty());  // the old generation is gone
    CHECK(static_cast<int>(sink.delivered().size()) == delivered);  // no side effect ran again
  }
  // The rebuilt views answer queries as before.
  CHECK(engine->readmails().latest(100, "").value().items.size() == 100);
}

TEST_CASE("an online rebuild swaps views under concurrent readers, who never see a partial view") {
  TempDir dir;
  RecordingSink sink;
  auto engine = open_engine(dir, sink);
  REQUIRE(engine->start().has_value());
  const std::string receiver = "01099990000";
  std::uint64_t last = 0;
  for (int i = 0; i < 300; ++i)
    last = engine->send().send_and_wait({"01012345678", receiver, "m" + std::to_string(i), std::nullopt}).value().position;
  REQUIRE(engine->wait_visible("readmails", last, 10s));

  std::atomic<bool> done{false};
  std::atomic<int> queries{0}, partial{0}, errors{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t)
    readers.emplace_back([&] {
      std::uint64_t seen_unread = 0;
      while (!done) {
        auto page = engine->readmails().for_receiver(receiver, 100, "");
        auto unread = engine->readmails().unread_count(receiver);
        if (!page || !unread) {
          ++errors;
          continue;
        }
        // 300 messages were in the view before the rebuild began, and more arrive.
        if (page->items.size() != 100 || *unread < 300 || *unread < seen_unread) ++partial;
        seen_unread = *unread;
        ++queries;
      }
    });
  std::thread sender([&] {
    for (int i = 0; i < 100; ++i)
      CHECK(engine->send().send_and_wait({"01012345678", receiver, "during " + std::to_string(i), std::nullopt}).has_value());
  });

  const auto before = testing::views_of(*engine).active_generation("readmails").value();
  auto first = engine->rebuild("readmails");
  REQUIRE(first.has_value());
  auto second = engine->rebuild("readmails");
  REQUIRE(second.has_value());
  sender.join();
  done = true;
  for (auto& r : readers) r.join();

  CHECK(errors == 0);
  CHECK(partial == 0);
  CHECK(queries > 0);
  CHECK(first->generation != before);
  CHECK(second->generation != first->generation);
  CHECK(testing::views_of(*engine).active_generation("readmails").value() == second->generation);

  // Once everything is in, the live view equals a fresh build from the log.
  REQUIRE(engine->wait_visible("readmails", testing::log_of(*engine).head(), 10s));
  engine->stop();
  const auto projection = app::find_view("readmails")->make();
  auto fresh = projections::build_generation(testing::log_of(*engine), testing::views_of(*engine), *projection, UINT64_MAX);
  REQUIRE(fresh.has_value());
  CHECK(dump(testing::views_of(*engine), "readmails", fresh->generation) ==
        dump(testing::views_of(*engine), "readmails", second->generation));
  CHECK(engine->readmails().unread_count(receiver).value() == 400);
}
