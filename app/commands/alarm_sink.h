#pragma once
// Where alarms go: an interface, so that the policy does not care whether an alarm is
// a log line or a webhook call.

#include <string>
#include <string_view>
#include <vector>

#include "app/events.h"

namespace mailbox::commands {

struct Alarm {
  std::string alarm_id;  // stable across retries and restarts: an idempotency key
  std::string phone;     // who is alarmed
  app::AlarmKind kind = app::AlarmKind::sent;
  std::string message_id;
  std::string text_preview;  // the message's first characters
};

// What became of one alarm handed to a sink, and so what the alarm policy does next:
//   delivered -> the policy appends Alarmed;
//   reject    -> the channel refused it for good: the policy appends AlarmDeadLettered
//                with `detail` as the reason and `attempts` as the number of tries;
//   retry     -> not delivered yet (channel down, slow, or the sink cancelled): the
//                policy reports unavailable to its runner, which tries the event again
//                later without moving past it.
struct Delivery {
  enum class Outcome { delivered, retry, reject };
  Outcome outcome = Outcome::retry;
  std::string detail;  // why, for retry and reject
  int attempts = 1;    // calls made for this alarm (kept in AlarmDeadLettered)

  static Delivery delivered() { return {Outcome::delivered, "", 1}; }
  static Delivery retry(std::string why) { return {Outcome::retry, std::move(why), 1}; }
  static Delivery reject(std::string why, int attempts) { return {Outcome::reject, std::move(why), attempts}; }
};

// deliver() and deliver_many() are called by the alarm policy from its runner's thread,
// one call at a time; cancel() from any thread.
class AlarmSink {
 public:
  virtual ~AlarmSink() = default;
  // The channel's name, recorded in Alarmed events ("log", "webhook").
  virtual std::string_view channel() const = 0;
  // Delivers one alarm. The same alarm may come again (after a retry, a crash or a
  // redrive): receivers drop repeats by alarm_id.
  virtual Delivery deliver(const Alarm& alarm) = 0;
  // Delivers several alarms, possibly at once; one outcome per alarm, in order. The
  // default delivers one by one and, after the first retry, answers the rest retry
  // without calling.
  virtual std::vector<Delivery> deliver_many(const std::vector<Alarm>& alarms);
  // Bounds shutdown: afterwards deliveries in progress return promptly (their alarms
  // not yet answered say retry) and new ones answer retry at once, so that the alarm
  // policy's runner can stop. From any thread; not undone. The default does nothing
  // (for sinks that never wait).
  virtual void cancel() {}
};

// The default sink: one structured log line per alarm (spdlog, at info level). Always
// delivered.
class LogAlarmSink final : public AlarmSink {
 public:
  std::string_view channel() const override { return "log"; }
  Delivery deliver(const Alarm& alarm) override;
};

}  // namespace mailbox::commands
