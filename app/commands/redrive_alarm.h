#pragma once
// The redrive command: asks for a dead-lettered alarm to be delivered again, by
// appending AlarmRedriveRequested to the message's stream. The alarm policy answers the
// request with Alarmed or, if the channel rejects it again, another AlarmDeadLettered,
// which may be redriven in turn.
//
// One request per dead letter: the request's event id is derived from the dead
// letter's, so of two racing redrives exactly one is stored and the other is refused.

#include <functional>
#include <string>

#include "app/actor.h"
#include "app/commands/confirmation.h"
#include "app/status.h"
#include "core/eventstore/event_store.h"

namespace mailbox::commands {

struct RedriveAlarm {
  std::string alarm_id;
  std::string message_id;  // the message the alarm is about (listed with the dead letter)
  app::Actor actor;        // recorded with the AlarmRedriveRequested event
};

class RedriveHandler {
 public:
  using Done = std::function<void(app::Result<std::uint64_t /*position*/>)>;
  explicit RedriveHandler(eventstore::EventStore& log, Confirmation confirmation = {})
      : log_(log), confirmation_(std::move(confirmation)) {}

  // Reads the message's stream (on this thread), then appends without blocking; done
  // runs on the log's writer thread, or on this thread for a refusal. Errors: not_found
  // (no such dead letter in the message's stream: never dead-lettered, or delivered
  // since), failed_precondition (redrive_pending: asked for already and not answered
  // yet), unavailable.
  void redrive(RedriveAlarm command, Done done);
  app::Result<std::uint64_t> redrive_and_wait(RedriveAlarm command);

 private:
  eventstore::EventStore& log_;
  const Confirmation confirmation_;
};

}  // namespace mailbox::commands
