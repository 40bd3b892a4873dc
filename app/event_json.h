#pragma once
// The one JSON encoder per mailbox event, used by the HTTP API and the replay tool alike.

#include <string>

#include "app/events.h"
#include "app/json_writer.h"
#include "core/eventstore/types.h"

namespace mailbox::app {

// The event's fields as a JSON object, camelCase keys, times in RFC 3339:
// Sent {messageId, sender, receiver, text, sentAt, paymentRef?}, Saved {messageId,
// sender, receiver, text, sentAt}, Alarmed {alarmId, messageId, phone, kind, channel,
// alarmedAt}, Read {messageId, receiver, readAt}, AlarmDeadLettered {alarmId, messageId,
// phone, kind, channel, reason, attempts, deadLetteredAt}.
void write_event_fields(JsonWriter& w, const MailboxEvent& event);

// A stored event: the envelope (position, stream, version, type, eventId, timestamp,
// correlationId?, causationPosition?, principal?, tokenId?, clientAddress?) and "data"
// with the decoded payload.
// A payload that fails to decode is shown as "error" instead of "data".
std::string recorded_event_json(const eventstore::RecordedEvent& event);

// The old services' Kafka shape: {"eventType", "timestamp" (epoch milliseconds), and
// the event's fields with the old names: "user" for the sender, "receiver", "text", ...}.
// No payment reference (docs/events.md has each type's shape).
std::string seed_event_json(const eventstore::RecordedEvent& event);
// As published for other services (mailboxd --publish-events): the seed's shape followed
// by "position", "eventId" and "stream".
std::string published_event_json(const eventstore::RecordedEvent& event);
// Whether events of this type have the seed's shape (seed_event_json); WriterEpoch, a
// replication record, does not, and is left out where the seed's shape is given.
bool has_seed_shape(std::string_view type);

}  // namespace mailbox::app
