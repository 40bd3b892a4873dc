#pragma once
// How policies stamp the events they derive: a stable id from the source event and a
// purpose, the source as causation, and the source's correlation carried on.

#include <string_view>

#include "app/events.h"
#include "core/eventstore/types.h"

namespace mailbox::commands {

eventstore::NewEvent derived_event(const app::MailboxEvent& event, const eventstore::RecordedEvent& source,
                                   std::string_view purpose);

}  // namespace mailbox::commands
