#include "app/commands/redrive_alarm.h"

#include <future>

#include "app/commands/alarm_policy.h"
#include "app/commands/message_history.h"
#include "app/utf8.h"
#include "app/events.h"

namespace mailbox::commands {

using app::Code;

namespace {

std::unexpected<app::Error> pending(const std::string& alarm_id) {
  return app::fail_because(Code::failed_precondition, "redrive_pending", "a redrive of " + alarm_id + " is pending");
}

}  // namespace

void RedriveHandler::redrive(RedriveAlarm command, Done done) {
  done = confirmation_.after_release(std::move(done), [](std::uint64_t position) { return position; });
  if (!plausible_message_id(command.message_id))
    return done(app::fail(Code::not_found, "no message " + command.message_id));

  std::optional<app::AlarmDeadLettered> dead;  // the latest dead letter of this alarm
  eventstore::EventId dead_id{};               // its event id
  bool is_pending = false;                     // a redrive asked for and not yet answered
  std::string text;
  auto visited = visit_message(log_, command.message_id, [&](const eventstore::RecordedEvent& e, const app::MailboxEvent& d) {
    if (const auto* sent = std::get_if<app::Sent>(&d)) text = sent->text;
    if (const auto* x = std::get_if<app::AlarmDeadLettered>(&d); x && x->alarm_id == command.alarm_id) {
      dead = *x;
      dead_id = e.id;
      is_pending = false;
    }
    if (const auto* a = std::get_if<app::Alarmed>(&d); a && a->alarm_id == command.alarm_id) {
      dead.reset();
      is_pending = false;
    }
    if (const auto* r = std::get_if<app::AlarmRedriveRequested>(&d); r && r->alarm_id == command.alarm_id)
      is_pending = true;
    return true;
  });
  if (!visited) return done(std::unexpected(visited.error()));
  if (!dead) return done(app::fail(Code::not_found, "no dead letter " + command.alarm_id + " for that message"));
  if (is_pending) return done(pending(command.alarm_id));

  app::AlarmRedriveRequested request{dead->alarm_id, dead->message_id, dead->phone, dead->kind,
                                     std::string(app::utf8_prefix(text, AlarmPolicy::kPreviewCodePoints)), app::now_us()};
  eventstore::NewEvent event = app::to_new_event(request);
  event.id = eventstore::derive_event_id(dead_id, "redrive");
  command.actor.stamp(event);
  log_.append_async({app::message_stream(command.message_id), eventstore::ExpectedVersion::any(), {std::move(event)}},
                    [alarm_id = command.alarm_id, done = std::move(done)](app::Result<eventstore::AppendResult> r) {
                      // Taken (or stored by an identical request): another redrive won.
                      if ((r && r->duplicate) || (!r && r.error().code == Code::already_exists))
                        return done(pending(alarm_id));
                      if (!r) return done(std::unexpected(r.error()));
                      done(r->first_position);
                    });
}

app::Result<std::uint64_t> RedriveHandler::redrive_and_wait(RedriveAlarm command) {
  std::promise<app::Result<std::uint64_t>> promise;
  auto future = promise.get_future();
  redrive(std::move(command), [&promise](app::Result<std::uint64_t> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace mailbox::commands
