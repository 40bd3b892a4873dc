#include "core/eventstore/internal/keys.h"

namespace mailbox::eventstore::keys {

std::string stream_key(std::string_view stream, std::uint64_t version) {
  std::string key;
  key.reserve(stream.size() + 9);
  key.append(stream);
  key.push_back('\0');
  append_u64(key, version);
  return key;
}

std::string encode_dedupe_value(const AppendResult& result) {
  std::string out;
  out.reserve(24);
  append_u64(out, result.first_position);
  append_u64(out, result.last_position);
  append_u64(out, result.stream_version);
  return out;
}

std::optional<AppendResult> decode_dedupe_value(std::string_view bytes) {
  if (bytes.size() != 24) return std::nullopt;
  AppendResult r;
  r.first_position = *decode_u64(bytes.substr(0, 8));
  r.last_position = *decode_u64(bytes.substr(8, 8));
  r.stream_version = *decode_u64(bytes.substr(16, 8));
  return r;
}

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxNameBytes && name.find('\0') == std::string_view::npos;
}

}  // namespace mailbox::eventstore::keys
