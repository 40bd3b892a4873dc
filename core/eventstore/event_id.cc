#include "core/eventstore/event_id.h"

#include <random>

namespace mailbox::eventstore {

EventId new_event_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  EventId id;
  for (int half = 0; half < 2; ++half) {
    std::uint64_t bits = rng();
    for (int i = 0; i < 8; ++i) id[half * 8 + i] = static_cast<std::uint8_t>(bits >> (8 * i));
  }
  id[6] = static_cast<std::uint8_t>((id[6] & 0x0f) | 0x40);  // version 4
  id[8] = static_cast<std::uint8_t>((id[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return id;
}

std::string to_string(const EventId& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[id[i] >> 4]);
    out.push_back(kHex[id[i] & 0x0f]);
  }
  return out;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<EventId> parse_event_id(std::string_view text) {
  const bool dashed = text.size() == 36;
  if (!dashed && text.size() != 32) return std::nullopt;
  EventId id;
  std::size_t at = 0;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (dashed && (i == 4 || i == 6 || i == 8 || i == 10)) {
      if (text[at] != '-') return std::nullopt;
      ++at;
    }
    int hi = hex_value(text[at]);
    int lo = hex_value(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    at += 2;
  }
  return id;
}

bool is_nil(const EventId& id) {
  for (auto b : id)
    if (b != 0) return false;
  return true;
}

}  // namespace mailbox::eventstore
