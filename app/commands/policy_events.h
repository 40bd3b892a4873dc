#pragma once
// How policies stamp the events they derive: a stable id from the source event (its
// position first, eventstore::derive_event_id_at) and a purpose, the id that earlier
// versions derived as the legacy id (NewEvent::legacy_id: a promoted replica, deriving
// again what an older writer derived, finds those), the source as causation, and the
// source's correlation carried on.

#include <string_view>

#include "app/events.h"
#include "core/eventstore/types.h"

namespace mailbox::commands {

eventstore::NewEvent derived_event(const app::MailboxEvent& event, const eventstore::RecordedEvent& source,
                                   std::string_view purpose);

}  // namespace mailbox::commands
