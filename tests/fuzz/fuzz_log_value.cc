// A log value as read from disk: the envelope through verification and decoding, its
// payload through the mailbox events' verification and decoding, and both into the
// JSON of GET /events and mailbox-replay. The first byte picks what the rest is: an
// envelope (even), or the payload of one event type (odd; the next byte picks it).
// What decodes must encode back to the same values, and the JSON must be valid.
#include <cstdint>
#include <string>
#include <string_view>

#include "app/event_json.h"
#include "app/events.h"
#include "core/eventstore/internal/envelope_codec.h"
#include "tests/fuzz/fuzz_check.h"

using namespace mailbox;

namespace {

constexpr std::string_view kTypes[] = {app::kSentType, app::kSavedType, app::kAlarmedType, app::kReadType,
                                       app::kAlarmDeadLetteredType, app::kAlarmRedriveRequestedType};

void check_payload(std::string_view type, std::string_view payload) {
  auto event = app::decode(type, payload);
  if (!event) return;
  fuzz::check(app::type_of(*event) == type, "a payload decoded as another type");
  auto again = app::decode(type, app::encode(*event));
  fuzz::check(again && *again == *event, "an event does not survive encode and decode");
  app::JsonWriter w;
  app::write_event_fields(w, *event);
  fuzz::check_json(w.str(), "the event's fields");
}

void check_envelope(std::string_view bytes) {
  auto e = eventstore::decode_envelope(bytes);
  if (!e) return;
  fuzz::check_json(app::recorded_event_json(*e), "GET /events' event");
  fuzz::check_json(app::seed_event_json(*e), "the seed's event");
  check_payload(e->type, e->payload);

  eventstore::NewEvent n{e->type, e->payload, e->id, e->correlation_id, e->causation_position,
                         e->principal, e->token_id, e->client_address};
  eventstore::EnvelopeEncoder encoder;
  auto again = eventstore::decode_envelope(encoder.encode(e->position, e->stream, e->version, n, e->id, e->timestamp_us));
  fuzz::check(again.has_value(), "a re-encoded envelope does not decode");
  fuzz::check(again->position == e->position && again->stream == e->stream && again->version == e->version &&
                  again->type == e->type && again->id == e->id && again->timestamp_us == e->timestamp_us &&
                  again->correlation_id == e->correlation_id && again->causation_position == e->causation_position &&
                  again->principal == e->principal && again->payload == e->payload &&
                  again->token_id == e->token_id && again->client_address == e->client_address,
              "an envelope does not survive decode, encode and decode");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    check_envelope(rest);
  } else if (!rest.empty()) {
    check_payload(kTypes[static_cast<unsigned char>(rest[0]) % std::size(kTypes)], rest.substr(1));
  }
  return 0;
}
