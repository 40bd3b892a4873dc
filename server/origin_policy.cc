#include "server/origin_policy.h"

#include <algorithm>
#include <cctype>

#include "server/client_address.h"

namespace mailbox::server {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The host part of a Host header: without the port, and without an IPv6 address's brackets.
std::string host_name(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    return lower(host.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
  }
  return lower(host.substr(0, host.find(':')));
}

bool listed(const std::vector<std::string>& list, std::string_view value) {
  return std::any_of(list.begin(), list.end(), [&](const std::string& v) { return lower(v) == lower(value); });
}

}  // namespace

std::optional<Problem> check_host(const OriginPolicy& policy, const HttpRequest& req) {
  auto host = req.header("host");
  if (!host) return std::nullopt;
  const std::string name = host_name(*host);
  if (policy.loopback_hosts_only) {
    if (name == "localhost" || is_loopback(name)) return std::nullopt;
    return problem("host_not_allowed", "Host '" + std::string(*host) +
                                           "': without keys this server answers for localhost only (see --public-host)");
  }
  if (policy.public_hosts.empty() || listed(policy.public_hosts, name)) return std::nullopt;
  return problem("host_not_allowed", "Host '" + std::string(*host) + "' is not one of --public-host");
}

std::optional<Problem> check_origin(const OriginPolicy& policy, const HttpRequest& req) {
  auto origin = req.header("origin");
  if (!origin) return std::nullopt;
  const std::string own =
      !policy.public_origin.empty() ? policy.public_origin : "http://" + std::string(req.header("host").value_or(""));
  if (lower(*origin) == lower(own) || listed(policy.cors_origins, *origin)) return std::nullopt;
  return problem("origin_not_allowed", "requests from " + std::string(*origin) + " may not change anything here");
}

Headers cors_headers(const OriginPolicy& policy, const HttpRequest& req) {
  auto origin = req.header("origin");
  if (!origin || !listed(policy.cors_origins, *origin)) return {};
  return {{"Access-Control-Allow-Origin", std::string(*origin)},
          {"Vary", "Origin"},
          {"Access-Control-Allow-Headers", "Authorization, Content-Type, Idempotency-Key, Last-Event-ID"},
          {"Access-Control-Allow-Methods", "GET, POST"},
          {"Access-Control-Expose-Headers", "Location, X-Stale, Retry-After, Idempotent-Replayed"}};
}

}  // namespace mailbox::server
