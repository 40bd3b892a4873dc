#pragma once
// Where alarms go: an interface, so that the policy does not care whether an alarm is
// a log line or a webhook call.

#include <string>
#include <string_view>
#include <vector>

#include "app/events.h"
#include "core/eventstore/status.h"

namespace mailbox::commands {

struct Alarm {
  std::string alarm_id;  // stable across retries and restarts: an idempotency key
  std::string phone;     // who is alarmed
  app::AlarmKind kind = app::AlarmKind::sent;
  std::string message_id;
  std::string text_preview;  // the message's first characters
};

class AlarmSink {
 public:
  virtual ~AlarmSink() = default;
  // The channel's name, recorded in Alarmed events ("log", "webhook").
  virtual std::string_view channel() const = 0;
  // Delivers one alarm. The same alarm may come again after a crash: receivers drop
  // repeats by alarm_id. Errors: unavailable (retry later); others halt the policy.
  // Called from the alarm policy's thread.
  // invalid_argument means the channel rejected the alarm for good (after its attempts):
  // the policy then dead-letters it instead of retrying.
  virtual eventstore::Status deliver(const Alarm& alarm) = 0;
  // Delivers several alarms, possibly at once; one status per alarm, in order. The
  // default delivers one by one and stops at the first unavailable (the rest are
  // answered unavailable too).
  virtual std::vector<eventstore::Status> deliver_many(const std::vector<Alarm>& alarms);
  // How many times an alarm is tried before it is dead-lettered.
  virtual int max_attempts() const { return 1; }
};

// The default sink: one structured log line per alarm (spdlog, at info level).
class LogAlarmSink final : public AlarmSink {
 public:
  std::string_view channel() const override { return "log"; }
  eventstore::Status deliver(const Alarm& alarm) override;
};

}  // namespace mailbox::commands
