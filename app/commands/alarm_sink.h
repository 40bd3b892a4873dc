#pragma once
// Where alarms go: an interface, so that the policy does not care whether an alarm is
// a log line or a webhook call.

#include <string>
#include <string_view>

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
  virtual eventstore::Status deliver(const Alarm& alarm) = 0;
};

// The default sink: one structured log line per alarm (spdlog, at info level).
class LogAlarmSink final : public AlarmSink {
 public:
  std::string_view channel() const override { return "log"; }
  eventstore::Status deliver(const Alarm& alarm) override;
};

}  // namespace mailbox::commands
