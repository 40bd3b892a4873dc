#include "server/client_address.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace mailbox::server {

namespace {

// The address's bytes and family; family 0 when it is not an address.
int parse_address(std::string_view text, std::array<std::uint8_t, 16>& bytes) {
  const std::string s(text);
  bytes.fill(0);
  if (::inet_pton(AF_INET, s.c_str(), bytes.data()) == 1) return AF_INET;
  if (::inet_pton(AF_INET6, s.c_str(), bytes.data()) == 1) return AF_INET6;
  return 0;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
  text = trim(text);
  Cidr c;
  const auto slash = text.find('/');
  c.family_ = parse_address(text.substr(0, slash), c.bytes_);
  if (c.family_ == 0) return std::nullopt;
  const int bits = c.family_ == AF_INET ? 32 : 128;
  c.prefix_ = bits;
  if (slash != std::string_view::npos) {
    const std::string_view n = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), c.prefix_);
    if (n.empty() || ec != std::errc() || end != n.data() + n.size() || c.prefix_ < 0 || c.prefix_ > bits)
      return std::nullopt;
  }
  return c;
}

bool Cidr::contains(std::string_view address) const {
  std::array<std::uint8_t, 16> bytes;
  if (parse_address(trim(address), bytes) != family_) return false;
  for (int i = 0; i < prefix_ / 8; ++i)
    if (bytes[i] != bytes_[i]) return false;
  if (const int rest = prefix_ % 8) {
    const std::uint8_t mask = static_cast<std::uint8_t>(0xff << (8 - rest));
    if ((bytes[prefix_ / 8] & mask) != (bytes_[prefix_ / 8] & mask)) return false;
  }
  return true;
}

std::optional<std::vector<Cidr>> parse_cidrs(std::string_view list) {
  std::vector<Cidr> out;
  while (!list.empty()) {
    const auto comma = list.find(',');
    auto one = Cidr::parse(list.substr(0, comma));
    if (!one) return std::nullopt;
    out.push_back(*one);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return out;
}

std::string client_address(std::string_view peer, std::optional<std::string_view> forwarded_for,
                           const std::vector<Cidr>& trusted) {
  auto is_trusted = [&](std::string_view a) {
    for (const auto& c : trusted)
      if (c.contains(a)) return true;
    return false;
  };
  if (!forwarded_for || !is_trusted(peer)) return std::string(peer);
  std::string_view list = *forwarded_for;
  std::string_view leftmost;
  while (!list.empty()) {
    const auto comma = list.rfind(',');
    const std::string_view one = trim(comma == std::string_view::npos ? list : list.substr(comma + 1));
    list = comma == std::string_view::npos ? std::string_view() : list.substr(0, comma);
    if (one.empty()) continue;
    leftmost = one;
    if (!is_trusted(one)) return std::string(one);
  }
  return std::string(leftmost.empty() ? peer : leftmost);
}

bool is_loopback(std::string_view address) {
  static const auto v4 = Cidr::parse("127.0.0.0/8");
  static const auto v6 = Cidr::parse("::1/128");
  static const auto mapped = Cidr::parse("::ffff:127.0.0.0/104");
  return v4->contains(address) || v6->contains(address) || mapped->contains(address);
}

}  // namespace mailbox::server
