#include "server/request_params.h"

#include <algorithm>
#include <charconv>

namespace mailbox::server {

namespace {

// value as an unsigned integer in [min, max]; a problem naming `name` otherwise.
std::expected<std::uint64_t, Problem> whole_number(std::string_view name, std::string_view value, std::uint64_t min,
                                                   std::uint64_t max) {
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size())
    return std::unexpected(problem("invalid_parameter", std::string(name) + ": must be a whole number", std::string(name)));
  if (n < min || n > max)
    return std::unexpected(problem("invalid_parameter",
                                   std::string(name) + ": must be between " + std::to_string(min) + " and " +
                                       std::to_string(max),
                                   std::string(name)));
  return n;
}

}  // namespace

std::expected<std::uint64_t, Problem> uint_param(const HttpRequest& req, std::string_view name,
                                                 std::uint64_t fallback, std::uint64_t min, std::uint64_t max) {
  auto value = req.param(name);
  if (!value) return fallback;
  return whole_number(name, *value, min, max);
}

std::expected<std::uint64_t, Problem> position_header(std::string_view name, std::string_view value) {
  return whole_number(name, value, 0, kMaxPosition);
}

std::expected<Freshness, Problem> freshness_params(const HttpRequest& req, std::chrono::milliseconds default_wait,
                                                   std::chrono::milliseconds max_wait) {
  Freshness f;
  auto min = uint_param(req, "min_position", 0);
  if (!min) return std::unexpected(min.error());
  f.min_position = *min;
  auto wait = uint_param(req, "wait_ms", static_cast<std::uint64_t>(default_wait.count()));
  if (!wait) return std::unexpected(wait.error());
  f.wait = std::chrono::milliseconds(std::min<std::uint64_t>(*wait, max_wait.count()));
  return f;
}

std::expected<std::string, Problem> required_param(const HttpRequest& req, std::string_view name) {
  auto value = req.param(name);
  if (!value || value->empty())
    return std::unexpected(
        problem("invalid_parameter", "the query parameter " + std::string(name) + " is required", std::string(name)));
  return std::string(*value);
}

}  // namespace mailbox::server
