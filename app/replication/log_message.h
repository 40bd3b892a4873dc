#pragma once
// One message of the replication stream: a log segment and the epoch of the writer
// that shipped it, as a body (log_message.fbs) and headers (docs/replication.md).

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "app/status.h"
#include "core/eventstore/types.h"

namespace mailbox::replication {

inline constexpr const char* kFormatHeader = "Mailbox-Format";
inline constexpr const char* kFirstHeader = "Mailbox-First";
inline constexpr const char* kLastHeader = "Mailbox-Last";
inline constexpr const char* kEpochHeader = "Mailbox-Epoch";
inline constexpr const char* kBodySizeHeader = "Mailbox-Body-Size";
// Format 2, what a writer ships: the body is the flatbuffer compressed as one LZ4 block,
// and Mailbox-Body-Size gives the flatbuffer's size. Format 1: the flatbuffer as is
// (what writers shipped before format 2); a reader takes both.
inline constexpr const char* kFormatVersion = "2";
inline constexpr const char* kUncompressedFormat = "1";
// The largest flatbuffer a reader inflates: NATS's own bound on max_payload. A body
// claiming more than LZ4 can inflate from its size (255 to 1) is refused before any
// allocation.
inline constexpr std::size_t kMaxBodyBytes = 64u << 20;

// A message holds consecutive events with the checkpoints as of the last when the
// writer read up to its head, or the checkpoints alone (no events: the headers' last
// position is first - 1, the writer's head then).
struct LogMessage {
  eventstore::LogSegment segment;
  std::uint64_t epoch = 0;  // the writer epoch in force at the segment's last event
};

// A message as published: its headers and body.
struct EncodedMessage {
  std::map<std::string, std::string> headers;
  std::string body;
};
enum class BodyFormat { compressed, uncompressed };
// Format 2 (compressed) unless asked for format 1.
EncodedMessage encode_message(const LogMessage& message, BodyFormat format = BodyFormat::compressed);
// Decodes and checks a message: its format, a body that inflates (format 2) and
// verifies, and headers that agree with it. Errors: corruption (bytes that are not such
// a message), failed_precondition (a format this build does not know).
app::Result<LogMessage> decode_message(const std::map<std::string, std::string>& headers, std::string_view body);
// The first and last positions and the epoch from the headers alone.
struct MessageRange {
  std::uint64_t first = 0, last = 0, epoch = 0;
};
app::Result<MessageRange> range_of(const std::map<std::string, std::string>& headers);
// The first sequence in [first, last] whose message's last position is at or past
// `position` (messages are in position order), by bisection over range_at(sequence);
// `last` when none is. Errors: range_at's.
app::Result<std::uint64_t> first_sequence_reaching(
    std::uint64_t first, std::uint64_t last, std::uint64_t position,
    const std::function<app::Result<MessageRange>(std::uint64_t sequence)>& range_at);

}  // namespace mailbox::replication
