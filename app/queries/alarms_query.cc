#include "app/queries/alarms_query.h"

#include "app/queries/alarms_projection.h"
#include "core/eventstore/big_endian.h"

namespace mailbox::queries {

eventstore::Result<Page<AlarmEntry>> AlarmsQuery::for_phone(std::string_view phone, std::size_t limit,
                                                            std::string_view cursor) const {
  auto reader = views_.reader(AlarmsProjection::kName);
  if (!reader) return std::unexpected(reader.error());
  return read_page<AlarmEntry>(
      *reader, row_keys::phone_prefix(phone), limit, cursor,
      [](std::string_view value) -> eventstore::Result<AlarmEntry> {
        auto row = decode_alarm(value);
        if (!row) return eventstore::fail(eventstore::Code::corruption, "alarm row does not decode");
        return *row;
      },
      [](const AlarmEntry& a) { return a.position; });
}

eventstore::Result<Page<DeadLetterRow>> AlarmsQuery::dead_letters(std::size_t limit, std::string_view cursor) const {
  auto reader = views_.reader(AlarmsProjection::kName);
  if (!reader) return std::unexpected(reader.error());
  return read_page<DeadLetterRow>(
      *reader, std::string(row_keys::kDeadLetterPrefix), limit, cursor,
      [](std::string_view value) -> eventstore::Result<DeadLetterRow> {
        auto row = decode_dead_letter(value);
        if (!row) return eventstore::fail(eventstore::Code::corruption, "dead-letter row does not decode");
        return *row;
      },
      [](const DeadLetterRow& d) { return d.alarm.position; });
}

}  // namespace mailbox::queries
