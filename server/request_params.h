#pragma once
// Reading query parameters: a missing or malformed one is a 400 (invalid_parameter)
// naming it.

#include <chrono>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "server/http_types.h"
#include "server/reply.h"

namespace mailbox::server {

// The parameter as an unsigned integer, fallback when absent; a problem when it is
// present but not a whole number, or outside [min, max].
std::expected<std::uint64_t, Problem> uint_param(const HttpRequest& req, std::string_view name, std::uint64_t fallback,
                                                 std::uint64_t min = 0, std::uint64_t max = UINT64_MAX);

// Log positions a client may name: below 2^63 (so that "the next one" never wraps).
inline constexpr std::uint64_t kMaxPosition = (std::uint64_t{1} << 63) - 1;

// A header that holds a log position (Last-Event-ID), read as uint_param reads a
// parameter.
std::expected<std::uint64_t, Problem> position_header(std::string_view name, std::string_view value);

// The read-your-writes parameters of a query: min_position (0: none) and wait_ms
// (default_wait when absent, at most max_wait).
struct Freshness {
  std::uint64_t min_position = 0;
  std::chrono::milliseconds wait{0};
};
std::expected<Freshness, Problem> freshness_params(const HttpRequest& req, std::chrono::milliseconds default_wait,
                                                   std::chrono::milliseconds max_wait);

// A required, non-empty string parameter; a problem naming it when missing.
std::expected<std::string, Problem> required_param(const HttpRequest& req, std::string_view name);

}  // namespace mailbox::server
