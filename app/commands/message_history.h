#pragma once
// A message's stream ("message-<id>") read back and decoded, in order, page by page:
// what the commands that act on one message (mark read, redrive) decide from.

#include <functional>
#include <string_view>

#include "app/events.h"
#include "core/eventstore/event_store.h"

namespace mailbox::commands {

// Calls visit(event, decoded) for each event of the message's stream, in order, until
// visit returns false. Errors: the log's, or corruption for a payload that does not
// decode. Cost: one read per 256 events.
app::Status visit_message(const eventstore::EventStore& log, std::string_view message_id,
                          const std::function<bool(const eventstore::RecordedEvent&, const app::MailboxEvent&)>& visit);

// Whether a message id can name a stream (1 to 200 bytes, no NUL byte).
bool plausible_message_id(std::string_view message_id);

}  // namespace mailbox::commands
