// A message of the replication stream as a replica receives it: headers and body through
// decode_message. The input is the headers as "Name: value" lines, an empty line, then
// the body. What decodes must encode back (compressed or not) to a message that decodes
// to the same segment, and its range must agree with the headers.
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "app/replication/log_message.h"
#include "tests/fuzz/fuzz_check.h"

using namespace mailbox;

namespace {

bool same(const eventstore::LogSegment& a, const eventstore::LogSegment& b) {
  if (a.first != b.first || a.envelopes != b.envelopes || a.has_checkpoints != b.has_checkpoints ||
      a.checkpoints != b.checkpoints || a.dedupe.size() != b.dedupe.size())
    return false;
  for (std::size_t i = 0; i < a.dedupe.size(); ++i)
    if (a.dedupe[i].id != b.dedupe[i].id || a.dedupe[i].result != b.dedupe[i].result) return false;
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find("\n\n");
  if (split == std::string_view::npos) return 0;
  std::map<std::string, std::string> headers;
  std::string_view lines = input.substr(0, split);
  while (!lines.empty()) {
    const auto end = std::min(lines.find('\n'), lines.size());
    const std::string_view line = lines.substr(0, end);
    const auto colon = line.find(": ");
    if (colon != std::string_view::npos) headers[std::string(line.substr(0, colon))] = line.substr(colon + 2);
    lines.remove_prefix(std::min(end + 1, lines.size()));
  }
  auto message = replication::decode_message(headers, input.substr(split + 2));
  if (!message) return 0;
  auto range = replication::range_of(headers);
  fuzz::check(range && range->first == message->segment.first && range->last == message->segment.last(),
              "a decoded message's range differs from its headers");
  fuzz::check(!message->segment.envelopes.empty() || message->segment.has_checkpoints,
              "a message with neither events nor checkpoints decoded");
  for (auto format : {replication::BodyFormat::compressed, replication::BodyFormat::uncompressed}) {
    const auto encoded = replication::encode_message(*message, format);
    auto again = replication::decode_message(encoded.headers, encoded.body);
    fuzz::check(again && same(again->segment, message->segment) && again->epoch == message->epoch,
                "a message does not survive decode, encode and decode");
  }
  return 0;
}
