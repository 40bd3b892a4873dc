#pragma once
// Queries over the alarm-list view. O(page). Thread-safe.

#include <string_view>

#include "app/queries/page.h"
#include "app/queries/rows.h"
#include "core/projections/view_store.h"

namespace mailbox::queries {

using AlarmEntry = AlarmRow;

class AlarmsQuery {
 public:
  explicit AlarmsQuery(const projections::ViewStore& views) : views_(views) {}

  // A phone number's alarms, newest first. Errors: invalid_argument (limit, cursor).
  eventstore::Result<Page<AlarmEntry>> for_phone(std::string_view phone, std::size_t limit,
                                                 std::string_view cursor) const;
  // Alarms that could not be delivered, newest first.
  eventstore::Result<Page<DeadLetterRow>> dead_letters(std::size_t limit, std::string_view cursor) const;

 private:
  const projections::ViewStore& views_;
};

}  // namespace mailbox::queries
