#pragma once
// The redrive command: asks for a dead-lettered alarm to be delivered again. The alarm
// policy answers the request it appends, with Alarmed or, if the channel rejects it
// again, another AlarmDeadLettered.

#include <functional>
#include <string>

#include "core/eventstore/event_store.h"

namespace mailbox::commands {

struct RedriveAlarm {
  std::string alarm_id;
  std::string message_id;  // the message the alarm is about (listed with the dead letter)
};

class RedriveHandler {
 public:
  using Done = std::function<void(eventstore::Result<std::uint64_t /*position*/>)>;
  explicit RedriveHandler(eventstore::EventStore& log) : log_(log) {}

  // Errors: not_found (no such dead letter in the message's stream), failed_precondition
  // (delivered since, or a redrive already pending), unavailable.
  void redrive(RedriveAlarm command, Done done);

 private:
  eventstore::EventStore& log_;
};

}  // namespace mailbox::commands
