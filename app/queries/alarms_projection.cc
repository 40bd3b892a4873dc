#include "app/queries/alarms_projection.h"

#include "app/events.h"
#include "app/queries/rows.h"
#include "core/eventstore/big_endian.h"

namespace mailbox::queries {

namespace {

// Removes the alarm's dead-letter row, if it has one. Most views hold no dead letter
// at all: then there is no lookup per alarm, only one check per batch. While one is
// held (until its alarm is delivered), every alarm is looked up as before.
eventstore::Status forget_dead_letter(projections::ViewWriter& view, const std::string& alarm_id) {
  auto any = view.may_hold(row_keys::kDeadLetterOfPrefix);
  if (!any) return std::unexpected(any.error());
  if (!*any) return {};
  const std::string key = row_keys::dead_letter_of(alarm_id);
  auto position = view.get(key);
  if (!position) return std::unexpected(position.error());
  if (!*position) return {};
  auto p = eventstore::decode_u64(**position);
  if (!p) return eventstore::fail(eventstore::Code::corruption, "dead-letter index value is not 8 bytes");
  view.del(row_keys::dead_letter_entry(*p));
  view.del(key);
  return {};
}

}  // namespace

bool AlarmsProjection::wants(std::string_view type) const {
  return type == app::kAlarmedType || type == app::kAlarmDeadLetteredType;
}

eventstore::Status AlarmsProjection::apply(const eventstore::RecordedEvent& event, projections::ViewWriter& view) {
  auto decoded = app::decode(event);
  if (!decoded) return std::unexpected(decoded.error());
  if (const auto* dead = std::get_if<app::AlarmDeadLettered>(&*decoded)) {
    if (auto s = forget_dead_letter(view, dead->alarm_id); !s) return s;  // dead-lettered again: the newest stays
    view.put(row_keys::dead_letter_of(dead->alarm_id), eventstore::encode_u64(event.position));
    DeadLetterRow row{{dead->alarm_id, dead->message_id, dead->phone, std::string(app::to_string(dead->kind)),
                       dead->channel, dead->dead_lettered_at_us, event.position},
                      dead->reason,
                      static_cast<std::uint64_t>(dead->attempts)};
    view.put(row_keys::dead_letter_entry(event.position), encode(row));
    return {};
  }
  const auto* alarmed = std::get_if<app::Alarmed>(&*decoded);
  if (!alarmed) return {};
  if (auto s = forget_dead_letter(view, alarmed->alarm_id); !s) return s;  // delivered after a redrive
  AlarmRow row{alarmed->alarm_id,  alarmed->message_id,          alarmed->phone, std::string(app::to_string(alarmed->kind)),
               alarmed->channel,   alarmed->alarmed_at_us,       event.position};
  view.put(row_keys::phone_entry(row.phone, row.position), encode(row));
  return {};
}

}  // namespace mailbox::queries
