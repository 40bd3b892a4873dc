#include <doctest/doctest.h>

#include "app/commands/alarm_sink.h"
#include "tests/support/engine_fixture.h"

using namespace mailbox;
using namespace std::chrono_literals;
using commands::Delivery;
using Outcome = commands::Delivery::Outcome;

namespace {

// A sink that answers from a script, one outcome per call, and counts the calls.
class ScriptedSink final : public commands::AlarmSink {
 public:
  explicit ScriptedSink(std::vector<Delivery> script) : script_(std::move(script)) {}
  std::string_view channel() const override { return "scripted"; }
  Delivery deliver(const commands::Alarm&) override { return script_.at(calls_++); }
  std::size_t calls() const { return calls_; }

 private:
  std::vector<Delivery> script_;
  std::size_t calls_ = 0;
};

std::vector<Outcome> outcomes(const std::vector<Delivery>& deliveries) {
  std::vector<Outcome> out;
  for (const auto& d : deliveries) out.push_back(d.outcome);
  return out;
}

}  // namespace

TEST_CASE("the default deliver_many calls the channel until its first retry and answers the rest retry") {
  const std::vector<commands::Alarm> four(4);
  ScriptedSink sink({Delivery::delivered(), Delivery::reject("no such phone", 1), Delivery::retry("down"),
                     Delivery::delivered()});
  const auto got = sink.deliver_many(four);
  CHECK(outcomes(got) == std::vector{Outcome::delivered, Outcome::reject, Outcome::retry, Outcome::retry});
  CHECK(sink.calls() == 3);  // the fourth alarm was not tried
  CHECK(got[3].detail == "down");
}

TEST_CASE("an alarm the sink rejects is dead-lettered with the sink's reason and attempts, and the others are alarmed") {
  testing::EngineFixture f;
  f.sink.set_reject("poison");
  std::uint64_t last = 0;
  for (const char* text : {"one", "poison pill", "three"}) last = f.send("01012345678", "01099998888", text).position;
  REQUIRE(f.engine->wait_visible("alarms", last, 5s));

  auto dead = f.engine->alarms().dead_letters(10, "").value();
  REQUIRE(dead.items.size() == 2);  // both alarms of the poison message
  for (const auto& row : dead.items) {
    CHECK(row.reason == "test sink rejects 'poison'");
    CHECK(row.attempts == static_cast<std::uint64_t>(testing::RecordingSink::kRejectAttempts));
    CHECK(row.alarm.channel == "test");
  }
  CHECK(testing::policy_counter(*f.engine, "alarm-policy", "alarms_dead_lettered_total") == 2);
  CHECK(testing::policy_counter(*f.engine, "alarm-policy", "alarms_delivered_total") == 4);
  CHECK(f.sink.delivered().size() == 4);
}
