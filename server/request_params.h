#pragma once
// Reading query parameters: numbers are checked, and a bad one gets a 400 naming it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>

#include "server/http_types.h"

namespace mailbox::server {

// The parameter as an unsigned integer, fallback when absent; a 400 when it is present
// but not a number.
std::variant<std::uint64_t, HttpResponse> uint_param(const HttpRequest& req, std::string_view name,
                                                     std::uint64_t fallback);

// The read-your-writes parameters of a query: min_position (0: none) and wait_ms
// (default_wait when absent, at most max_wait).
struct Freshness {
  std::uint64_t min_position = 0;
  std::chrono::milliseconds wait{0};
};
std::variant<Freshness, HttpResponse> freshness_params(const HttpRequest& req, std::chrono::milliseconds default_wait,
                                                       std::chrono::milliseconds max_wait);

// A required, non-empty string parameter; a 400 naming it when missing.
std::variant<std::string_view, HttpResponse> required_param(const HttpRequest& req, std::string_view name);

}  // namespace mailbox::server
