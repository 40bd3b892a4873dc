#include "app/replication/log_message.h"

#include <lz4.h>

#include <charconv>
#include <cstring>
#include <optional>

#include "core/eventstore/verified_flatbuffer.h"
#include "log_message_generated.h"

namespace mailbox::replication {

namespace {

std::optional<std::uint64_t> number(const std::map<std::string, std::string>& headers, const char* name) {
  auto it = headers.find(name);
  if (it == headers.end()) return std::nullopt;
  std::uint64_t v = 0;
  const char* end = it->second.data() + it->second.size();
  auto [p, ec] = std::from_chars(it->second.data(), end, v);
  if (ec != std::errc() || p != end) return std::nullopt;
  return v;
}

// The flatbuffer of a segment (log_message.fbs).
std::string encode_body(const eventstore::LogSegment& segment) {
  std::size_t size = 256;
  for (const auto& e : segment.envelopes) size += e.size() + 16;
  flatbuffers::FlatBufferBuilder b(size + segment.dedupe.size() * 48);
  std::vector<flatbuffers::Offset<fb::Envelope>> events;
  events.reserve(segment.envelopes.size());
  for (const auto& e : segment.envelopes)
    events.push_back(
        fb::CreateEnvelope(b, b.CreateVector(reinterpret_cast<const std::uint8_t*>(e.data()), e.size())));
  std::vector<fb::DedupeRow> dedupe;
  dedupe.reserve(segment.dedupe.size());
  for (const auto& row : segment.dedupe) {
    const fb::Id16 id(flatbuffers::span<const std::uint8_t, 16>(row.id.data(), row.id.size()));
    dedupe.emplace_back(id, row.result.first_position, row.result.last_position, row.result.stream_version);
  }
  std::vector<flatbuffers::Offset<fb::Checkpoint>> checkpoints;
  for (const auto& cp : segment.checkpoints)
    checkpoints.push_back(fb::CreateCheckpoint(b, b.CreateString(cp.name), cp.position));
  auto events_v = b.CreateVector(events);
  auto dedupe_v = b.CreateVectorOfStructs(dedupe);
  auto checkpoints_v = b.CreateVector(checkpoints);
  b.Finish(fb::CreateLogMessage(b, segment.first, events_v, dedupe_v, segment.has_checkpoints, checkpoints_v));
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

// The LZ4 block of a flatbuffer; nothing when it is past what a reader inflates.
std::optional<std::string> compress(std::string_view flat) {
  if (flat.size() > kMaxBodyBytes) return std::nullopt;
  std::string out(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(flat.size()))), '\0');
  const int n = LZ4_compress_default(flat.data(), out.data(), static_cast<int>(flat.size()), static_cast<int>(out.size()));
  if (n <= 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// The flatbuffer of a format 2 body, or an error naming what is wrong.
app::Result<std::string> inflate(const std::map<std::string, std::string>& headers, std::string_view body) {
  auto size = number(headers, kBodySizeHeader);
  if (!size || *size == 0 || *size > kMaxBodyBytes || *size > body.size() * 255 + 16)
    return app::fail(app::Code::corruption, "a compressed replication message lacks a valid Mailbox-Body-Size");
  if (body.size() > kMaxBodyBytes)
    return app::fail(app::Code::corruption, "a compressed replication message is larger than any body");
  std::string flat(*size, '\0');
  const int n = LZ4_decompress_safe(body.data(), flat.data(), static_cast<int>(body.size()), static_cast<int>(flat.size()));
  if (n < 0 || static_cast<std::size_t>(n) != flat.size())
    return app::fail(app::Code::corruption, "a replication message's body does not inflate to Mailbox-Body-Size bytes");
  return flat;
}

}  // namespace

EncodedMessage encode_message(const LogMessage& message, BodyFormat format) {
  EncodedMessage out;
  out.headers = {{kFirstHeader, std::to_string(message.segment.first)},
                 {kLastHeader, std::to_string(message.segment.last())},
                 {kEpochHeader, std::to_string(message.epoch)}};
  std::string flat = encode_body(message.segment);
  std::optional<std::string> compressed;
  if (format == BodyFormat::compressed) compressed = compress(flat);
  if (!compressed) {  // asked for, or too large to compress (no message under max_payload is)
    out.headers[kFormatHeader] = kUncompressedFormat;
    out.body = std::move(flat);
    return out;
  }
  out.headers[kFormatHeader] = kFormatVersion;
  out.headers[kBodySizeHeader] = std::to_string(flat.size());
  out.body = std::move(*compressed);
  return out;
}

app::Result<MessageRange> range_of(const std::map<std::string, std::string>& headers) {
  auto first = number(headers, kFirstHeader), last = number(headers, kLastHeader);
  auto epoch = number(headers, kEpochHeader);
  // No events (the checkpoints alone): last is first - 1.
  if (!first || !last || !epoch || *first == 0 || *last + 1 < *first)
    return app::fail(app::Code::corruption, "a replication message lacks valid Mailbox-First, -Last or -Epoch headers");
  return MessageRange{*first, *last, *epoch};
}

app::Result<LogMessage> decode_message(const std::map<std::string, std::string>& headers, std::string_view body) {
  auto format = headers.find(kFormatHeader);
  if (format == headers.end()) return app::fail(app::Code::corruption, "a replication message has no Mailbox-Format");
  auto range = range_of(headers);  // before inflating anything
  if (!range) return std::unexpected(range.error());
  std::string inflated;
  if (format->second == kFormatVersion) {
    auto flat = inflate(headers, body);
    if (!flat) return std::unexpected(flat.error());
    inflated = std::move(*flat);
    body = inflated;
  } else if (format->second != kUncompressedFormat) {
    return app::fail(app::Code::failed_precondition,
                     "a replication message has format " + format->second + ", this build reads formats 1 and 2");
  }
  const fb::LogMessage* root = eventstore::verified_root<fb::LogMessage>(body);
  if (root == nullptr) return app::fail(app::Code::corruption, "a replication message's body failed verification");
  LogMessage out;
  out.epoch = range->epoch;
  auto& seg = out.segment;
  seg.first = root->first_position();
  if (root->events() != nullptr)
    for (const auto* e : *root->events()) {
      if (e->bytes() == nullptr) return app::fail(app::Code::corruption, "a replication message has an empty event");
      seg.envelopes.emplace_back(reinterpret_cast<const char*>(e->bytes()->data()), e->bytes()->size());
    }
  if (seg.first != range->first || seg.last() != range->last)
    return app::fail(app::Code::corruption, "a replication message's events do not match its headers");
  if (const auto* rows = root->dedupe(); rows != nullptr)
    for (flatbuffers::uoffset_t i = 0; i < rows->size(); ++i) {
      // The verifier checks a vector's length field for alignment, not its 8-byte
      // structs: each is copied out before a field is read.
      fb::DedupeRow row;
      std::memcpy(static_cast<void*>(&row), rows->Data() + i * sizeof(fb::DedupeRow), sizeof row);
      eventstore::DedupeRow r;
      std::memcpy(r.id.data(), row.id().bytes()->Data(), 16);
      r.result = {row.first_position(), row.last_position(), row.stream_version(), false};
      seg.dedupe.push_back(r);
    }
  seg.has_checkpoints = root->has_checkpoints();
  if (seg.envelopes.empty() && !seg.has_checkpoints)
    return app::fail(app::Code::corruption, "a replication message holds neither events nor checkpoints");
  if (root->checkpoints() != nullptr)
    for (const auto* cp : *root->checkpoints()) {
      if (cp->name() == nullptr) return app::fail(app::Code::corruption, "a replication message has a nameless checkpoint");
      seg.checkpoints.push_back({cp->name()->str(), cp->position()});
    }
  return out;
}

app::Result<std::uint64_t> first_sequence_reaching(
    std::uint64_t first, std::uint64_t last, std::uint64_t position,
    const std::function<app::Result<MessageRange>(std::uint64_t sequence)>& range_at) {
  while (first < last) {
    const std::uint64_t mid = first + (last - first) / 2;
    auto r = range_at(mid);
    if (!r) return std::unexpected(r.error());
    if (r->last >= position) last = mid;
    else first = mid + 1;
  }
  return first;
}

}  // namespace mailbox::replication
