#include "core/eventstore/internal/envelope_codec.h"

#include <cstring>

#include "core/eventstore/verified_flatbuffer.h"
#include "envelope_generated.h"

namespace mailbox::eventstore {

namespace {

fb::Id16 to_fb(const EventId& id) {
  return fb::Id16(flatbuffers::span<const std::uint8_t, 16>(id.data(), id.size()));
}

EventId from_fb(const fb::Id16* id) {
  EventId out{};
  if (id != nullptr) std::memcpy(out.data(), id->bytes()->data(), out.size());
  return out;
}

std::string to_string(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

}  // namespace

EnvelopeEncoder::EnvelopeEncoder() : builder_(new flatbuffers::FlatBufferBuilder(512)) {}
EnvelopeEncoder::~EnvelopeEncoder() { delete builder_; }

std::string_view EnvelopeEncoder::encode(std::uint64_t position, std::string_view stream,
                                         std::uint64_t version, const NewEvent& event,
                                         const EventId& id, std::int64_t timestamp_us) {
  auto& b = *builder_;
  b.Clear();
  auto stream_off = b.CreateString(stream.data(), stream.size());
  auto type_off = b.CreateString(event.type);
  // Empty strings and zero ids are left out: absent fields read back as empty/zero.
  const auto principal_off = event.principal.empty() ? flatbuffers::Offset<flatbuffers::String>() : b.CreateString(event.principal);
  auto payload_off = b.CreateVector(reinterpret_cast<const std::uint8_t*>(event.payload.data()),
                                    event.payload.size());
  const auto token_off = event.token_id.empty() ? flatbuffers::Offset<flatbuffers::String>() : b.CreateString(event.token_id);
  const auto address_off =
      event.client_address.empty() ? flatbuffers::Offset<flatbuffers::String>() : b.CreateString(event.client_address);
  const fb::Id16 event_id = to_fb(id);
  const fb::Id16 correlation = to_fb(event.correlation_id);
  fb::EnvelopeBuilder env(b);
  env.add_position(position);
  env.add_stream(stream_off);
  env.add_version(version);
  env.add_type(type_off);
  env.add_event_id(&event_id);
  env.add_timestamp_us(timestamp_us);
  if (!is_nil(event.correlation_id)) env.add_correlation_id(&correlation);
  env.add_causation_position(event.causation_position);
  if (!event.principal.empty()) env.add_principal(principal_off);
  env.add_payload(payload_off);
  if (!event.token_id.empty()) env.add_token_id(token_off);
  if (!event.client_address.empty()) env.add_client_address(address_off);
  b.Finish(env.Finish());
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

namespace {

RecordedEvent to_recorded(const fb::Envelope* env) {
  RecordedEvent out;
  out.position = env->position();
  out.stream = to_string(env->stream());
  out.version = env->version();
  out.type = to_string(env->type());
  out.id = from_fb(env->event_id());
  out.timestamp_us = env->timestamp_us();
  out.correlation_id = from_fb(env->correlation_id());
  out.causation_position = env->causation_position();
  out.principal = to_string(env->principal());
  out.token_id = to_string(env->token_id());
  out.client_address = to_string(env->client_address());
  if (const auto* p = env->payload()) {
    out.payload.assign(reinterpret_cast<const char*>(p->data()), p->size());
  }
  return out;
}

}  // namespace

Result<RecordedEvent> decode_envelope(std::string_view bytes) {
  const fb::Envelope* env = verified_root<fb::Envelope>(bytes);
  if (env == nullptr) return fail(Code::corruption, "stored envelope failed verification");
  return to_recorded(env);
}

Result<std::optional<RecordedEvent>> decode_envelope_of_type(std::string_view bytes, const TypeFilter& wanted,
                                                             std::uint64_t& position) {
  const fb::Envelope* env = verified_root<fb::Envelope>(bytes);
  if (env == nullptr) return fail(Code::corruption, "stored envelope failed verification");
  position = env->position();
  if (wanted) {
    const flatbuffers::String* type = env->type();
    if (!wanted(type ? std::string_view(type->c_str(), type->size()) : std::string_view()))
      return std::optional<RecordedEvent>{};
  }
  return std::optional<RecordedEvent>(to_recorded(env));
}

Result<EventId> decode_envelope_id(std::string_view bytes) {
  const fb::Envelope* env = verified_root<fb::Envelope>(bytes);
  if (env == nullptr) return fail(Code::corruption, "stored envelope failed verification");
  return from_fb(env->event_id());
}

}  // namespace mailbox::eventstore
