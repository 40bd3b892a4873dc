#pragma once
// Encoding and decoding of the stored envelope (envelope.fbs).

#include <cstdint>
#include <optional>
#include <string_view>

#include "core/eventstore/status.h"
#include "core/eventstore/types.h"

namespace flatbuffers {
class FlatBufferBuilder;
}

namespace mailbox::eventstore {

// Encodes envelopes, reusing one buffer. Not thread-safe: one per thread.
class EnvelopeEncoder {
 public:
  EnvelopeEncoder();
  ~EnvelopeEncoder();
  EnvelopeEncoder(const EnvelopeEncoder&) = delete;
  EnvelopeEncoder& operator=(const EnvelopeEncoder&) = delete;

  // The returned bytes stay valid until the next call.
  std::string_view encode(std::uint64_t position, std::string_view stream, std::uint64_t version,
                          const NewEvent& event, const EventId& id, std::int64_t timestamp_us);

 private:
  flatbuffers::FlatBufferBuilder* builder_;
};

// Decodes a stored envelope. The bytes may be unaligned (RocksDB values are): they are
// copied into an aligned buffer and verified before any field is read.
// Returns Code::corruption when the bytes are not a valid envelope.
Result<RecordedEvent> decode_envelope(std::string_view bytes);

// A stored envelope verified as decode_envelope does, decoded only when wanted accepts
// its type (a null wanted accepts every type); position is set either way.
Result<std::optional<RecordedEvent>> decode_envelope_of_type(std::string_view bytes,
                                                             const TypeFilter& wanted,
                                                             std::uint64_t& position);

// The event id of a stored envelope, verified the same way, without copying the rest:
// for readers that need the id alone (shipping the log).
Result<EventId> decode_envelope_id(std::string_view bytes);

}  // namespace mailbox::eventstore
