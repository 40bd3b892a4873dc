// Data written by an earlier build stays readable: a committed data folder is opened,
// read and verified by this build (see tests/compat/README.md).
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "app/catalog.h"
#include "app/engine.h"
#include "core/projections/rebuild.h"
#include "tests/support/engine_parts.h"
#include "tests/support/eventually.h"
#include "tests/support/recording_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/view_dump.h"

using namespace mailbox;
using namespace std::chrono_literals;

namespace {

// The committed folder is never opened in place (opening writes to it): opens a copy
// of it in dir, alarms going to sink, and checks that it holds its 19 events.
std::unique_ptr<app::Engine> open_copy(const testing::TempDir& dir, testing::RecordingSink& sink) {
  std::filesystem::copy(COMPAT_DIR "/data-2026-11", dir.path() / "data", std::filesystem::copy_options::recursive);
  app::EngineOptions options;
  options.data_dir = (dir.path() / "data").string();
  options.alarm_sink = &sink;
  auto engine = app::Engine::open(options);
  REQUIRE_MESSAGE(engine.has_value(), engine.error().message);
  REQUIRE(testing::log_of(**engine).head() == 19);
  return std::move(*engine);
}

}  // namespace

TEST_CASE("a data folder written by the build of 2026-11 opens, reads whole and verifies") {
  testing::TempDir dir;
  testing::RecordingSink sink;
  auto engine = open_copy(dir, sink);
  auto& log = testing::log_of(*engine);

  // Every event decodes, and the log holds what was written.
  std::map<std::string, int> per_type;
  std::vector<app::MailboxEvent> events;
  auto scanned = log.scan_log(1, 100, [&](eventstore::RecordedEvent&& e) {
    auto decoded = app::decode(e);
    REQUIRE_MESSAGE(decoded.has_value(), "position ", e.position, ": ", decoded.error().message);
    ++per_type[e.type];
    events.push_back(std::move(*decoded));
    return true;
  });
  REQUIRE(scanned.has_value());
  REQUIRE(events.size() == 19);
  CHECK(per_type == std::map<std::string, int>{{"Sent", 4}, {"Saved", 4}, {"Alarmed", 7}, {"Read", 1},
                                               {"AlarmDeadLettered", 2}, {"AlarmRedriveRequested", 1}});
  const auto& first = std::get<app::Sent>(events[0]);
  CHECK(first.sender == "01012345678");
  CHECK(first.receiver == "01099998888");
  CHECK(first.text == "hello");
  CHECK(first.message_id == "002212f5-1f19-7000-8000-305c0f6f3296");
  CHECK(std::get<app::Sent>(events[4]).text == "안녕하세요 👋\n두 번째 줄");
  CHECK(std::get<app::Sent>(events[8]).sender == "+821055550000");
  CHECK(std::get<app::Read>(events[12]).message_id == first.message_id);
  const auto& dead = std::get<app::AlarmDeadLettered>(events[15]);
  CHECK(dead.attempts == 3);
  CHECK(dead.channel == "webhook");
  CHECK(std::get<app::Alarmed>(events[18]).alarm_id == std::get<app::AlarmRedriveRequested>(events[17]).alarm_id);
  auto stream = log.read_stream("message-" + first.message_id, 1, 100);
  REQUIRE(stream.has_value());
  CHECK(stream->size() == 5);
  CHECK(log.checkpoint("mailbox-policy").value() == std::optional<std::uint64_t>(19));

  // The views as stored equal a rebuild from the log, and answer the queries.
  testing::TempDir scratch_dir;
  auto scratch = projections::ViewStore::open(scratch_dir.str()).value();
  // The views that build had; a view added since is built from the log once started.
  const std::set<std::string, std::less<>> views_of_that_build = {"readmails", "alarms"};
  for (const auto& entry : app::views()) {
    const auto p = entry.make();
    if (!views_of_that_build.contains(p->name())) continue;
    auto& views = testing::views_of(*engine);
    const auto generation = views.active_generation(p->name()).value();
    CHECK(views.checkpoint(p->name(), generation).value() == 19);
    auto fresh = projections::build_generation(log, *scratch, *p, 19);
    REQUIRE(fresh.has_value());
    CHECK_MESSAGE(testing::dump(views, p->name(), generation) == testing::dump(*scratch, p->name(), fresh->generation),
                  p->name());
  }
  auto box = engine->readmails().for_receiver("01099998888", 10, "");
  REQUIRE(box.has_value());
  REQUIRE(box->items.size() == 2);
  CHECK(box->items[1].read);
  CHECK(engine->readmails().unread_count("01099998888").value() == 1);
  auto dead_letters = engine->alarms().dead_letters(10, "");
  REQUIRE(dead_letters.has_value());
  CHECK(dead_letters->items.size() == 1);

  // And the mailbox goes on from where it was; a view that build did not have catches up.
  REQUIRE(engine->start().has_value());
  for (const auto& entry : app::views()) {
    const auto p = entry.make();
    if (views_of_that_build.contains(p->name())) continue;
    REQUIRE_MESSAGE(engine->wait_visible(p->name(), 19, std::chrono::seconds(10)), p->name());
    auto& views = testing::views_of(*engine);
    auto fresh = projections::build_generation(log, *scratch, *p, 19);
    REQUIRE(fresh.has_value());
    CHECK_MESSAGE(testing::dump(views, p->name(), views.active_generation(p->name()).value()) ==
                      testing::dump(*scratch, p->name(), fresh->generation),
                  p->name());
  }
  auto sent = engine->send().send_and_wait({"01012345678", "01099998888", "after the upgrade", std::nullopt});
  REQUIRE(sent.has_value());
  CHECK(sent->position == 20);
  REQUIRE(engine->wait_visible("readmails", sent->position, 10s));
  CHECK(engine->readmails().unread_count("01099998888").value() == 2);
}

TEST_CASE("events that the build of 2026-11 derived keep their ids, and this build's mailbox policy, deriving them "
          "again, stores none twice") {
  testing::TempDir dir;
  testing::RecordingSink sink;
  auto engine = open_copy(dir, sink);
  auto& log = testing::log_of(*engine);

  // That build derived ids from the source event's id and a purpose only: what
  // NewEvent::legacy_id holds now.
  int saved = 0;
  const auto events = log.read_log(1, 100).value();
  for (const auto& e : events) {
    if (e.type != "Saved") continue;
    ++saved;
    const auto source = log.read_event(e.causation_position).value();
    CHECK(e.id == eventstore::derive_event_id(source.id, "saved"));
  }
  CHECK(saved == 4);

  // As on a replica promoted with a backlog: the policy's checkpoint behind its events.
  eventstore::Transaction back;
  back.checkpoints.push_back({"mailbox-policy", 0});
  REQUIRE(log.commit(std::move(back)).has_value());
  REQUIRE(engine->start().has_value());
  REQUIRE_MESSAGE(testing::eventually([&] {
                    return log.checkpoint("mailbox-policy").value().value_or(0) >= 19;
                  }),
                  "the mailbox policy never caught up");
  CHECK(log.head() == 19);  // every Saved found stored, under the older id
}
