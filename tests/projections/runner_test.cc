// The policy runner on its own: exactly-once derived events, retries of transient
// failures, and errors that halt it.
#include <doctest/doctest.h>

#include "core/eventstore/event_store.h"
#include "core/projections/policy_runner.h"
#include "tests/projections/test_followers.h"
#include "tests/support/eventually.h"
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

}  // namespace

TEST_CASE("a policy answering unavailable is retried without moving past the event, and derives each event once") {
  testing::TempDir dir;
  auto log = std::move(eventstore::EventStore::open(dir.str()).value());
  for (int i = 0; i < 10; ++i)
    REQUIRE(log->append("s", eventstore::ExpectedVersion::any(), {testing::event("Test")}).has_value());
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
  for (int i = 0; i < 10; ++i)
    REQUIRE(log->append("s", eventstore::ExpectedVersion::any(), {testing::event("Test")}).has_value());
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
