#pragma once
// What an event of the log does to one receiver's mailbox: the message it adds (Saved)
// or marks read (Read), if that message is the receiver's. The live mailbox feed
// (GET /readmails/live) follows the log through this.

#include <optional>
#include <string>
#include <string_view>

#include "app/queries/log_query.h"

namespace mailbox::queries {

// The id of the receiver's message the event changes; nullopt when it changes none.
// Errors: corruption (a Saved or Read that does not decode).
app::Result<std::optional<std::string>> mailbox_change(const LoggedEvent& event, std::string_view receiver);

}  // namespace mailbox::queries
