#pragma once
// Who the client is, by address: the socket's peer, or, when that peer is a trusted
// proxy, the last address in X-Forwarded-For that is not one of the trusted proxies.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailbox::server {

// An IPv4 or IPv6 network, e.g. "10.0.0.0/8" or "::1/128" (a bare address is /32 or /128).
class Cidr {
 public:
  // nullopt when text is not an address with an optional prefix length.
  static std::optional<Cidr> parse(std::string_view text);
  bool contains(std::string_view address) const;

 private:
  std::array<std::uint8_t, 16> bytes_{};
  int family_ = 0;  // AF_INET or AF_INET6
  int prefix_ = 0;
};

// Parses "CIDR,CIDR,...". nullopt when one is malformed.
std::optional<std::vector<Cidr>> parse_cidrs(std::string_view list);

// The client's address: peer, unless peer is trusted; then X-Forwarded-For's addresses
// are walked from the right and the first one that is not trusted is the client (all
// trusted, or none given: the leftmost, or the peer).
std::string client_address(std::string_view peer, std::optional<std::string_view> forwarded_for,
                           const std::vector<Cidr>& trusted);

// Whether an IP address (as text) is a loopback address (127.0.0.0/8, ::1, or
// ::ffff:127.x.y.z).
bool is_loopback(std::string_view address);

}  // namespace mailbox::server
