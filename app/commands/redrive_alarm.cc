#include "app/commands/redrive_alarm.h"

#include "app/commands/alarm_policy.h"
#include "app/commands/utf8.h"
#include "app/events.h"

namespace mailbox::commands {

using eventstore::Code;

void RedriveHandler::redrive(RedriveAlarm command, Done done) {
  if (command.message_id.empty() || command.message_id.size() > 200 ||
      command.message_id.find('\0') != std::string::npos)
    return done(eventstore::fail(Code::not_found, "no message " + command.message_id));
  const std::string stream = app::message_stream(command.message_id);
  auto events = log_.read_stream(stream, 1, 1000);
  if (!events) return done(std::unexpected(events.error()));

  std::optional<app::AlarmDeadLettered> dead;  // the latest dead letter of this alarm
  bool pending = false;                        // a redrive asked for and not yet answered
  std::string text;
  for (const auto& e : *events) {
    auto decoded = app::decode(e);
    if (!decoded) return done(std::unexpected(decoded.error()));
    if (const auto* sent = std::get_if<app::Sent>(&*decoded)) text = sent->text;
    if (const auto* d = std::get_if<app::AlarmDeadLettered>(&*decoded); d && d->alarm_id == command.alarm_id) {
      dead = *d;
      pending = false;
    }
    if (const auto* a = std::get_if<app::Alarmed>(&*decoded); a && a->alarm_id == command.alarm_id) {
      dead.reset();
      pending = false;
    }
    if (const auto* r = std::get_if<app::AlarmRedriveRequested>(&*decoded); r && r->alarm_id == command.alarm_id)
      pending = true;
  }
  if (!dead) return done(eventstore::fail(Code::not_found, "no dead letter " + command.alarm_id + " for that message"));
  if (pending) return done(eventstore::fail(Code::failed_precondition, "a redrive of " + command.alarm_id + " is pending"));

  app::AlarmRedriveRequested request{dead->alarm_id, dead->message_id, dead->phone, dead->kind,
                                     std::string(utf8_prefix(text, AlarmPolicy::kPreviewCodePoints)), app::now_us()};
  log_.append_async({stream, eventstore::ExpectedVersion::any(), {app::to_new_event(request)}},
                    [done = std::move(done)](eventstore::Result<eventstore::AppendResult> r) {
                      if (!r) return done(std::unexpected(r.error()));
                      done(r->first_position);
                    });
}

}  // namespace mailbox::commands
