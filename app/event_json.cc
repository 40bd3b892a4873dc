#include "app/event_json.h"

namespace mailbox::app {

namespace {

struct FieldWriter {
  JsonWriter& w;
  void operator()(const Sent& e) {
    w.field("messageId", e.message_id).field("sender", e.sender).field("receiver", e.receiver);
    w.field("text", e.text).field("sentAt", rfc3339(e.sent_at_us));
    if (!e.payment_ref.empty()) w.field("paymentRef", e.payment_ref);
  }
  void operator()(const Saved& e) {
    w.field("messageId", e.message_id).field("sender", e.sender).field("receiver", e.receiver);
    w.field("text", e.text).field("sentAt", rfc3339(e.sent_at_us));
  }
  void operator()(const Alarmed& e) {
    w.field("alarmId", e.alarm_id).field("messageId", e.message_id).field("phone", e.phone);
    w.field("kind", to_string(e.kind)).field("channel", e.channel).field("alarmedAt", rfc3339(e.alarmed_at_us));
  }
  void operator()(const Read& e) {
    w.field("messageId", e.message_id).field("receiver", e.receiver).field("readAt", rfc3339(e.read_at_us));
  }
  void operator()(const AlarmDeadLettered& e) {
    w.field("alarmId", e.alarm_id).field("messageId", e.message_id).field("phone", e.phone);
    w.field("kind", to_string(e.kind)).field("channel", e.channel).field("reason", e.reason);
    w.field("attempts", static_cast<std::int64_t>(e.attempts)).field("deadLetteredAt", rfc3339(e.dead_lettered_at_us));
  }
  void operator()(const AlarmRedriveRequested& e) {
    w.field("alarmId", e.alarm_id).field("messageId", e.message_id).field("phone", e.phone);
    w.field("kind", to_string(e.kind)).field("requestedAt", rfc3339(e.requested_at_us));
  }
  void operator()(const WriterEpoch& e) {
    w.field("epoch", e.epoch).field("url", e.url);
    w.field("startedAt", rfc3339(e.started_at_us));
  }
};

// The old services' field names. Payment references are left out: they are not other
// services' business.
struct SeedFieldWriter {
  JsonWriter& w;
  void operator()(const Sent& e) {
    w.field("id", e.message_id).field("user", e.sender).field("receiver", e.receiver).field("text", e.text);
  }
  void operator()(const Saved& e) {
    w.field("id", e.message_id).field("user", e.sender).field("receiver", e.receiver).field("text", e.text);
  }
  void operator()(const Alarmed& e) {
    w.field("id", e.alarm_id).field("messageId", e.message_id).field("phone", e.phone).field("kind", to_string(e.kind));
  }
  void operator()(const Read& e) { w.field("id", e.message_id).field("receiver", e.receiver); }
  void operator()(const AlarmDeadLettered& e) {
    w.field("id", e.alarm_id).field("messageId", e.message_id).field("phone", e.phone).field("reason", e.reason);
  }
  void operator()(const AlarmRedriveRequested& e) {
    w.field("id", e.alarm_id).field("messageId", e.message_id).field("phone", e.phone);
  }
  void operator()(const WriterEpoch&) {}  // never written: not in the seed's shape
};

}  // namespace

void write_event_fields(JsonWriter& w, const MailboxEvent& event) {
  w.begin_object();
  std::visit(FieldWriter{w}, event);
  w.end_object();
}

std::string recorded_event_json(const eventstore::RecordedEvent& e) {
  JsonWriter w;
  w.begin_object();
  w.field("position", e.position).field("stream", e.stream).field("version", e.version).field("type", e.type);
  w.field("eventId", eventstore::to_string(e.id)).field("timestamp", rfc3339(e.timestamp_us));
  if (!eventstore::is_nil(e.correlation_id)) w.field("correlationId", eventstore::to_string(e.correlation_id));
  if (e.causation_position != 0) w.field("causationPosition", e.causation_position);
  if (!e.principal.empty()) w.field("principal", e.principal);
  if (!e.token_id.empty()) w.field("tokenId", e.token_id);
  if (!e.client_address.empty()) w.field("clientAddress", e.client_address);
  auto decoded = decode(e);
  if (decoded) {
    w.key("data");
    write_event_fields(w, *decoded);
  } else {
    w.field("error", decoded.error().message);
  }
  w.end_object();
  return w.take();
}

bool has_seed_shape(std::string_view type) { return type != kWriterEpochType; }

namespace {

// The seed's shape; with `located`, followed by where the event is in the log.
std::string seed_json(const eventstore::RecordedEvent& e, bool located) {
  JsonWriter w;
  w.begin_object();
  w.field("eventType", e.type).field("timestamp", static_cast<std::int64_t>(e.timestamp_us / 1000));
  if (auto decoded = decode(e)) std::visit(SeedFieldWriter{w}, *decoded);
  if (located) w.field("position", e.position).field("eventId", eventstore::to_string(e.id)).field("stream", e.stream);
  w.end_object();
  return w.take();
}

}  // namespace

std::string seed_event_json(const eventstore::RecordedEvent& e) { return seed_json(e, false); }

std::string published_event_json(const eventstore::RecordedEvent& e) { return seed_json(e, true); }

}  // namespace mailbox::app
