#include "app/queries/alarms_query.h"

#include "app/queries/alarms_projection.h"
#include "core/eventstore/keys.h"

namespace mailbox::queries {

eventstore::Result<Page<AlarmEntry>> AlarmsQuery::for_phone(std::string_view phone, std::size_t limit,
                                                            std::string_view cursor) const {
  auto after_position = check_page_request(limit, cursor);
  if (!after_position) return std::unexpected(after_position.error());
  const std::string prefix = row_keys::phone_prefix(phone);
  const std::string after = *after_position ? row_keys::phone_entry(phone, *after_position) : std::string();
  Page<AlarmEntry> result;
  bool more = false, corrupt = false;
  auto scanned = views_.reader(AlarmsProjection::kName).scan(prefix, after, [&](std::string_view, std::string_view v) {
    if (result.items.size() == limit) {
      more = true;
      return false;
    }
    auto row = decode_alarm(v);
    if (!row) {
      corrupt = true;
      return false;
    }
    result.items.push_back(std::move(*row));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  if (corrupt) return eventstore::fail(eventstore::Code::corruption, "alarm row does not decode");
  if (more) result.next_cursor = std::to_string(result.items.back().position);
  return result;
}

eventstore::Result<Page<DeadLetterRow>> AlarmsQuery::dead_letters(std::size_t limit, std::string_view cursor) const {
  auto after_position = check_page_request(limit, cursor);
  if (!after_position) return std::unexpected(after_position.error());
  const std::string after = *after_position ? row_keys::dead_letter_entry(*after_position) : std::string();
  Page<DeadLetterRow> result;
  bool more = false, corrupt = false;
  auto scanned = views_.reader(AlarmsProjection::kName)
                     .scan(row_keys::kDeadLetterPrefix, after, [&](std::string_view, std::string_view v) {
                       if (result.items.size() == limit) {
                         more = true;
                         return false;
                       }
                       auto row = decode_dead_letter(v);
                       if (!row) {
                         corrupt = true;
                         return false;
                       }
                       result.items.push_back(std::move(*row));
                       return true;
                     });
  if (!scanned) return std::unexpected(scanned.error());
  if (corrupt) return eventstore::fail(eventstore::Code::corruption, "dead-letter row does not decode");
  if (more) result.next_cursor = std::to_string(result.items.back().alarm.position);
  return result;
}

}  // namespace mailbox::queries
