#include "app/commands/alarm_policy.h"

#include "app/commands/policy_events.h"
#include "app/commands/utf8.h"

namespace mailbox::commands {

bool AlarmPolicy::wants(std::string_view type) const { return type == app::kSentType || type == app::kSavedType; }

eventstore::Result<std::vector<eventstore::StreamAppend>> AlarmPolicy::react(const eventstore::RecordedEvent& event) {
  auto decoded = app::decode(event);
  if (!decoded) return std::unexpected(decoded.error());

  Alarm alarm;
  if (const auto* sent = std::get_if<app::Sent>(&*decoded)) {
    alarm = {"", sent->sender, app::AlarmKind::sent, sent->message_id,
             std::string(utf8_prefix(sent->text, kPreviewCodePoints))};
  } else if (const auto* saved = std::get_if<app::Saved>(&*decoded)) {
    alarm = {"", saved->receiver, app::AlarmKind::arrived, saved->message_id,
             std::string(utf8_prefix(saved->text, kPreviewCodePoints))};
  } else {
    return std::vector<eventstore::StreamAppend>{};
  }
  const std::string purpose = "alarm-" + std::string(app::to_string(alarm.kind));
  const eventstore::EventId alarm_id = eventstore::derive_event_id(event.id, purpose);
  alarm.alarm_id = eventstore::to_string(alarm_id);

  if (auto s = sink_.deliver(alarm); !s) return std::unexpected(s.error());

  app::Alarmed alarmed{alarm.alarm_id, alarm.message_id, alarm.phone, alarm.kind, std::string(sink_.channel()),
                       app::now_us()};
  std::vector<eventstore::StreamAppend> out;
  out.push_back({event.stream, eventstore::ExpectedVersion::any(), {derived_event(alarmed, event, purpose)}});
  return out;
}

}  // namespace mailbox::commands
