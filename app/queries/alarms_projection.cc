#include "app/queries/alarms_projection.h"

#include "app/events.h"
#include "app/queries/rows.h"

namespace mailbox::queries {

bool AlarmsProjection::wants(std::string_view type) const {
  return type == app::kAlarmedType || type == app::kAlarmDeadLetteredType;
}

eventstore::Status AlarmsProjection::apply(const eventstore::RecordedEvent& event, projections::ViewWriter& view) {
  auto decoded = app::decode(event);
  if (!decoded) return std::unexpected(decoded.error());
  if (const auto* dead = std::get_if<app::AlarmDeadLettered>(&*decoded)) {
    DeadLetterRow row{{dead->alarm_id, dead->message_id, dead->phone, std::string(app::to_string(dead->kind)),
                       dead->channel, dead->dead_lettered_at_us, event.position},
                      dead->reason,
                      static_cast<std::uint64_t>(dead->attempts)};
    view.put(row_keys::dead_letter_entry(event.position), encode(row));
    return {};
  }
  const auto* alarmed = std::get_if<app::Alarmed>(&*decoded);
  if (!alarmed) return {};
  AlarmRow row{alarmed->alarm_id,  alarmed->message_id,          alarmed->phone, std::string(app::to_string(alarmed->kind)),
               alarmed->channel,   alarmed->alarmed_at_us,       event.position};
  view.put(row_keys::phone_entry(row.phone, row.position), encode(row));
  return {};
}

}  // namespace mailbox::queries
