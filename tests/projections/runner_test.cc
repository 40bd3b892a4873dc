// The policy runner on its own: exactly-once derived events, retries of transient
// failures, and errors that halt it.
#include <doctest/doctest.h>

#include <set>

#include "core/eventstore/event_store.h"
#include "core/projections/policy_runner.h"
#include "tests/projections/test_followers.h"
#include "tests/support/eventually.h"
#include "tests/support/faulty_file_system.h"
#include "tests/support/events.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::eventually;

namespace {

projections::PolicyOptions quick() {
  projections::PolicyOptions o;
  o.batch_events = 4;
  o.first_retry = 2ms;
  o.max_retry = 10ms;
  return o;
}

std::size_t derived_count(const eventstore::EventStore& log) { return log.read_stream("derived", 1, 1000).value().size(); }

// Appends n events of type Test, what DerivePerEvent derives from.
void append_sources(eventstore::EventStore& log, int n) {
  for (int i = 0; i < n; ++i)
    REQUIRE(log.append("s", eventstore::ExpectedVersion::any(), {testing::event("Test")}).has_value());
}

}  // namespace

TEST_CASE("a policy answering unavailable is retried without moving past the event, and derives each event once") {
  testing::TempDir dir;
  auto log = std::move(eventstore::EventStore::open(dir.str()).value());
  append_sources(*log, 10);
  testing::DerivePerEvent policy;
  policy.unavailable_times = 5;
  projections::PolicyRunner runner(*log, policy, quick());
  REQUIRE(runner.start().has_value());
  REQUIRE(eventually([&] { return derived_count(*log) == 10 && runner.position() == log->head(); }));
  CHECK(runner.retries() >= 5);
  CHECK_FALSE(runner.state().error().has_value());
  CHECK(log->checkpoint("derive").value() == std::optional<std::uint64_t>(log->head()));
  runner.stop();

  // Restarted from its checkpoint, it derives nothing twice.
  projections::PolicyRunner again(*log, policy, quick());
  REQUIRE(again.start().has_value());
  REQUIRE(log->append("s", eventstore::ExpectedVersion::any(), {testing::event("Test")}).has_value());
  REQUIRE(eventually([&] { return derived_count(*log) == 11; }));
  again.stop();
  CHECK(derived_count(*log) == 11);
}

TEST_CASE("a policy error that is not transient halts the runner before that event, reported") {
  testing::TempDir dir;
  auto log = std::move(eventstore::EventStore::open(dir.str()).value());
  append_sources(*log, 10);
  testing::DerivePerEvent policy;
  policy.fail_at = 6;
  projections::PolicyRunner runner(*log, policy, quick());
  REQUIRE(runner.start().has_value());
  REQUIRE(eventually([&] { return runner.state().error().has_value(); }));
  CHECK(runner.state().error()->code == eventstore::Code::invalid_argument);
  CHECK(runner.state().error()->message.find("position 6") != std::string::npos);
  CHECK(runner.position() == 5);  // everything before it was handled and committed
  CHECK(derived_count(*log) == 5);
  CHECK(log->checkpoint("derive").value() == std::optional<std::uint64_t>(5));
}

namespace {

std::uint64_t id_lookups(const eventstore::EventStore& log) { return log.writer_stats().id_lookups; }

// Appends `sources` Test events, then what DerivePerEvent derives from them, with the
// derive checkpoint left before them: as a log copied from a writer can hold them (a
// batch shipped without its checkpoint).
void derived_ahead_of_checkpoint(eventstore::EventStore& log, int sources) {
  append_sources(log, sources);
  const auto written = log.read_log(1, static_cast<std::size_t>(sources)).value();
  for (const auto& source : written) {
    eventstore::NewEvent derived;
    derived.type = "Derived";
    derived.payload = "from " + std::to_string(source.position);
    derived.id = eventstore::derive_event_id(source.id, "derived");
    REQUIRE(log.append("derived", eventstore::ExpectedVersion::any(), {derived}).has_value());
  }
}

// Appends n sources; what the runner derives from them is stored without a lookup.
void derives_new_without_lookup(eventstore::EventStore& log, const projections::PolicyRunner& runner, int n) {
  const auto lookups = id_lookups(log);
  const auto total = derived_count(log) + static_cast<std::size_t>(n);
  append_sources(log, n);
  REQUIRE_MESSAGE(eventually([&] { return derived_count(log) == total; }), "nothing derived from the new events");
  CHECK(id_lookups(log) == lookups);
  CHECK_FALSE(runner.state().error().has_value());
}

}  // namespace

TEST_CASE("what a runner derives again from events older than its start is looked up and stored once, what it "
          "derives from events appended since it began to lead is not looked up") {
  testing::TempDir dir;
  auto log = std::move(eventstore::EventStore::open(dir.str()).value());
  testing::DerivePerEvent policy;
  auto options = quick();
  options.batch_events = 1;  // one derived event per commit, as they were stored
  SUBCASE("started on that log") {}
  SUBCASE("following it as it grows, as a replica's runner does, then made to lead") {
    options.follow_checkpoint = true;
  }
  projections::PolicyRunner runner(*log, policy, options);
  if (options.follow_checkpoint) REQUIRE(runner.start().has_value());
  derived_ahead_of_checkpoint(*log, 6);
  const auto before = id_lookups(*log);
  if (options.follow_checkpoint) runner.lead();
  else REQUIRE(runner.start().has_value());
  REQUIRE_MESSAGE(eventually([&] { return runner.position() == log->head(); }), "the runner never caught up");
  CHECK(derived_count(*log) == 6);  // each found stored: none twice
  CHECK(id_lookups(*log) - before == 6);

  derives_new_without_lookup(*log, runner, 4);
}

TEST_CASE("after a commit of derived events fails, the runner looks up what it derives from those events again") {
  testing::TempDir dir;
  auto [fs, env] = testing::FaultyFileSystem::make();
  eventstore::StoreOptions store_options;
  store_options.env = env.get();
  auto log = std::move(eventstore::EventStore::open(dir.str(), store_options).value());
  testing::DerivePerEvent policy;
  policy.unavailable_times = 1'000'000;  // reacts to nothing until told
  projections::PolicyRunner runner(*log, policy, quick());
  REQUIRE(runner.start().has_value());
  append_sources(*log, 3);
  fs->fill_disk(true);
  policy.unavailable_times = 0;
  REQUIRE_MESSAGE(eventually([&] { return log->failure().has_value(); }), "the runner's commit never met the full disk");
  const auto before = id_lookups(*log);
  fs->fill_disk(false);
  REQUIRE_MESSAGE(eventually([&] { return derived_count(*log) == 3; }), "nothing derived once there was room");
  CHECK(id_lookups(*log) - before == 3);

  // Events appended after that are derived without a lookup again.
  derives_new_without_lookup(*log, runner, 2);
}

TEST_CASE("derived events stored by other appends than the runner's batches make, or only some of them, are each "
          "stored once and the runner goes on") {
  // A replica promoted with its policy checkpoint behind its log re-derives with other
  // batches than the writer had: the writer stored what several events derived into one
  // stream in one append per batch, in other groups, or only some of it reached the copy.
  testing::TempDir dir;
  auto log = std::move(eventstore::EventStore::open(dir.str()).value());
  SUBCASE("all of them, one append each") { derived_ahead_of_checkpoint(*log, 6); }
  SUBCASE("the first three only") {
    derived_ahead_of_checkpoint(*log, 3);
    append_sources(*log, 3);
  }
  testing::DerivePerEvent policy;
  projections::PolicyRunner runner(*log, policy, quick());  // 4 events a batch: one append of several
  REQUIRE(runner.start().has_value());
  REQUIRE_MESSAGE(eventually([&] { return runner.position() == log->head() || runner.state().error(); }),
                  "the runner never caught up");
  CHECK_FALSE_MESSAGE(runner.state().error().has_value(), runner.state().error()->message);
  CHECK(derived_count(*log) == 6);
  std::set<std::string> payloads;
  const auto derived = log->read_stream("derived", 1, 1000).value();
  for (const auto& e : derived) CHECK(payloads.insert(e.payload).second);
  CHECK(payloads.size() == 6);
}
