#include "app/commands/policy_events.h"

namespace mailbox::commands {

eventstore::NewEvent derived_event(const app::MailboxEvent& event, const eventstore::RecordedEvent& source,
                                   std::string_view purpose) {
  eventstore::NewEvent e = app::to_new_event(event);
  e.id = eventstore::derive_event_id_at(source.position, source.id, purpose);
  e.legacy_id = eventstore::derive_event_id(source.id, purpose);  // the id builds before 2026-11-28 gave it
  e.causation_position = source.position;
  e.correlation_id = eventstore::is_nil(source.correlation_id) ? source.id : source.correlation_id;
  return e;
}

}  // namespace mailbox::commands
