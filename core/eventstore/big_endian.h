#pragma once
// Unsigned 64-bit integers as 8 big-endian bytes, so that byte order is numeric order:
// the log's keys, and any key a view wants sorted by a number, use this encoding.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailbox::eventstore {

inline void append_u64(std::string& out, std::uint64_t value) {
  char bytes[8];
  for (int i = 7; i >= 0; --i) {
    bytes[i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  out.append(bytes, 8);
}

inline std::string encode_u64(std::uint64_t value) {
  std::string out;
  append_u64(out, value);
  return out;
}

// nullopt unless bytes holds exactly 8 bytes.
inline std::optional<std::uint64_t> decode_u64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  std::uint64_t value = 0;
  for (unsigned char c : bytes) value = (value << 8) | c;
  return value;
}

}  // namespace mailbox::eventstore
