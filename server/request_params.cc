#include "server/request_params.h"

#include <algorithm>
#include <charconv>
#include <string>

#include "server/problem.h"

namespace mailbox::server {

std::variant<std::uint64_t, HttpResponse> uint_param(const HttpRequest& req, std::string_view name,
                                                     std::uint64_t fallback) {
  auto value = req.param(name);
  if (!value) return fallback;
  std::uint64_t n = 0;
  auto [end, ec] = std::from_chars(value->data(), value->data() + value->size(), n);
  if (value->empty() || ec != std::errc() || end != value->data() + value->size())
    return problem(400, std::string(name) + ": must be a whole number", name);
  return n;
}

std::variant<Freshness, HttpResponse> freshness_params(const HttpRequest& req, std::chrono::milliseconds default_wait,
                                                       std::chrono::milliseconds max_wait) {
  Freshness f;
  auto min = uint_param(req, "min_position", 0);
  if (auto* r = std::get_if<HttpResponse>(&min)) return std::move(*r);
  f.min_position = std::get<std::uint64_t>(min);
  auto wait = uint_param(req, "wait_ms", static_cast<std::uint64_t>(default_wait.count()));
  if (auto* r = std::get_if<HttpResponse>(&wait)) return std::move(*r);
  f.wait = std::chrono::milliseconds(std::min<std::uint64_t>(std::get<std::uint64_t>(wait), max_wait.count()));
  return f;
}

std::variant<std::string_view, HttpResponse> required_param(const HttpRequest& req, std::string_view name) {
  auto value = req.param(name);
  if (!value || value->empty())
    return problem(400, "the query parameter " + std::string(name) + " is required", name);
  return *value;
}

}  // namespace mailbox::server
