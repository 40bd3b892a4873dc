#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "app/commands/alarm_policy.h"
#include "app/commands/mailbox_policy.h"
#include "app/events.h"
#include "core/eventstore/event_store.h"
#include "core/projections/policy_runner.h"
#include "tests/support/eventually.h"
#include "tests/support/recording_sink.h"
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

namespace {

// Stores what `policy` derives from each event of the log that it wants, as a writer
// that ran it earlier would have (under the older ids when `older_ids`), without the
// policy's checkpoint: as a replica promoted with a backlog holds them.
void derived_without_checkpoint(eventstore::EventStore& log, projections::Policy& policy, bool older_ids) {
  const auto sources = log.read_log(1, 1000).value();
  for (const auto& source : sources) {
    if (!policy.wants(source.type)) continue;
    auto answer = policy.react(source).value();
    for (auto& part : answer)
      for (auto& e : part.events) {
        if (older_ids) e.id = e.legacy_id;
        e.legacy_id.reset();
      }
    eventstore::Transaction txn;
    txn.streams = std::move(answer);
    const auto committed = log.commit(std::move(txn));
    REQUIRE_MESSAGE(committed.has_value(), committed.error().message);
  }
}

// Runs the policy from its checkpoint (none) until it has handled the whole log.
void derive_again(eventstore::EventStore& log, projections::Policy& policy) {
  projections::PolicyOptions options;
  options.batch_events = 3;
  const std::uint64_t head = log.head();
  projections::PolicyRunner runner(log, policy, options);
  REQUIRE(runner.start().has_value());
  REQUIRE_MESSAGE(testing::eventually([&] { return runner.position() >= head || runner.state().error().has_value(); }),
                  "the policy never caught up");
  runner.stop();
  CHECK_MESSAGE(!runner.state().error().has_value(), runner.state().error()->message);
  CHECK(log.checkpoint(policy.name()).value() == std::optional<std::uint64_t>(head));
}

}  // namespace

TEST_CASE("a policy deriving again what the log holds past its checkpoint stores none of it twice, under the older "
          "ids or the current ones, even where the payload carries the time it was derived at") {
  // As on a replica promoted with a backlog: the derived events are there, the
  // policies' checkpoints behind them, so the policies derive them again. The Alarmed
  // events carry their delivery time: derived again, they differ in it.
  bool older_ids = false;
  SUBCASE("stored by an earlier version, under the older ids") { older_ids = true; }
  SUBCASE("stored under the current ids") { older_ids = false; }
  testing::TempDir dir;
  auto log = std::move(eventstore::EventStore::open(dir.str()).value());
  commands::MailboxPolicy mailbox;
  testing::RecordingSink sink;
  commands::AlarmPolicy alarms(sink);
  constexpr std::size_t kMessages = 6;
  for (int n = 0; n < static_cast<int>(kMessages); ++n) append_sent(*log, n);
  derived_without_checkpoint(*log, mailbox, older_ids);
  derived_without_checkpoint(*log, alarms, older_ids);
  const std::uint64_t head = log->head();
  REQUIRE(count_of(*log, "Saved") == kMessages);
  REQUIRE(count_of(*log, "Alarmed") == 2 * kMessages);
  std::this_thread::sleep_for(std::chrono::milliseconds(2));  // a later delivery time

  const auto lookups = log->writer_stats().id_lookups;
  derive_again(*log, mailbox);
  derive_again(*log, alarms);
  CHECK(log->head() == head);  // nothing derived twice
  CHECK(count_of(*log, "Saved") == kMessages);
  CHECK(count_of(*log, "Alarmed") == 2 * kMessages);
  // Each derived event was looked up (by its older id too when the current one was
  // not stored): the runners were deriving again, not taking the ids for new.
  CHECK(log->writer_stats().id_lookups - lookups == (older_ids ? 6 : 3) * kMessages);
  CHECK(sink.delivered().size() == 4 * kMessages);  // delivered again: at least once, same alarm ids
}
