#include <doctest/doctest.h>

#include <algorithm>

#include "app/commands/mailbox_policy.h"
#include "app/events.h"
#include "core/eventstore/event_store.h"
#include "core/projections/policy_runner.h"
#include "tests/support/eventually.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;

namespace {

// Appends a Sent of a fresh message; returns it as stored.
eventstore::RecordedEvent append_sent(eventstore::EventStore& log, int n) {
  const std::string id = eventstore::to_string(eventstore::new_time_ordered_id());
  app::Sent sent{id, "01012345678", "0109999" + std::to_string(1000 + n), "message " + std::to_string(n), 1, ""};
  const auto r = log.append(app::message_stream(id), eventstore::ExpectedVersion::no_stream(),
                            {app::to_new_event(app::MailboxEvent{sent})});
  REQUIRE(r.has_value());
  return log.read_event(r->first_position).value();
}

std::size_t count_of(const eventstore::EventStore& log, std::string_view type) {
  const auto events = log.read_log(1, 1000).value();
  return static_cast<std::size_t>(std::count_if(events.begin(), events.end(), [&](const auto& e) { return e.type == type; }));
}

}  // namespace

TEST_CASE("a policy's derived ids begin with the source's position, and keep the older id as their legacy id") {
  testing::TempDir dir;
  auto log = std::move(eventstore::EventStore::open(dir.str()).value());
  commands::MailboxPolicy policy;
  std::optional<eventstore::EventId> previous;
  for (int n = 0; n < 50; ++n) {
    const auto source = append_sent(*log, n);
    const auto answer = policy.react(source).value();
    REQUIRE(answer.size() == 1);
    REQUIRE(answer[0].events.size() == 1);
    const auto& saved = answer[0].events[0];
    REQUIRE(saved.id.has_value());
    CHECK(*saved.id == eventstore::derive_event_id_at(source.position, source.id, "saved"));
    CHECK(saved.legacy_id == std::optional(eventstore::derive_event_id(source.id, "saved")));
    CHECK(*policy.react(source).value()[0].events[0].id == *saved.id);  // the same every time
    if (previous) CHECK(*previous < *saved.id);  // later sources, greater ids
    previous = saved.id;
  }
}

TEST_CASE("a log holding events derived with the older ids, past the policy's checkpoint, gets none of them twice") {
  // As on a replica promoted with a backlog, shipped by a writer of an earlier version:
  // the Saved events are there, under the ids derived before positions led, and the
  // mailbox policy's checkpoint is behind them, so it derives them again.
  testing::TempDir dir;
  auto log = std::move(eventstore::EventStore::open(dir.str()).value());
  commands::MailboxPolicy policy;
  constexpr int kMessages = 6;
  for (int n = 0; n < kMessages; ++n) {
    const auto source = append_sent(*log, n);
    auto answer = policy.react(source).value();
    for (auto& part : answer)
      for (auto& e : part.events) {
        e.id = e.legacy_id;  // as the earlier version stored it
        e.legacy_id.reset();
      }
    eventstore::Transaction txn;
    txn.streams = std::move(answer);
    REQUIRE(log->commit(std::move(txn)).has_value());
  }
  const std::uint64_t head = log->head();
  REQUIRE(count_of(*log, "Saved") == kMessages);

  projections::PolicyOptions options;
  options.batch_events = 3;
  projections::PolicyRunner runner(*log, policy, options);
  REQUIRE(runner.start().has_value());
  REQUIRE_MESSAGE(testing::eventually([&] { return runner.position() == head; }), "the policy never caught up");
  runner.stop();
  CHECK_FALSE(runner.state().error().has_value());
  CHECK(log->head() == head);  // nothing derived twice
  CHECK(count_of(*log, "Saved") == kMessages);
  CHECK(log->checkpoint(commands::MailboxPolicy::kName).value() == std::optional<std::uint64_t>(head));
}
