#include "server/auth/claims.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>

#include "app/commands/validation.h"
#include "server/auth/compact_jws.h"

namespace mailbox::server::auth {

namespace {

// exp beyond this (about the year 2255) is taken as this, so that exp plus a leeway still
// fits in a system_clock time_point (nanoseconds, up to 2262), as the cache keeps it.
constexpr double kLatestExpiry = 9e9;

std::unexpected<TokenError> refuse(std::string description) { return std::unexpected(TokenError{std::move(description)}); }

// The claims this module reads, as found in the payload.
struct Found {
  std::optional<double> exp, nbf;
  std::optional<std::string_view> iss, sub, scope, jti;
  std::optional<simdjson::dom::element> aud;
};

std::expected<Found, TokenError> find_claims(simdjson::dom::object object) {
  Found found;
  std::array<std::string_view, 7> seen_names{};
  std::size_t seen = 0;
  for (auto [key, value] : object) {
    auto number = [&](std::optional<double>& out) -> std::optional<TokenError> {
      double n = 0;
      if (value.get_double().get(n)) return TokenError{"the token's " + std::string(key) + " is not a number"};
      out = n;
      return std::nullopt;
    };
    auto string = [&](std::optional<std::string_view>& out) -> std::optional<TokenError> {
      std::string_view s;
      if (value.get_string().get(s)) return TokenError{"the token's " + std::string(key) + " is not a string"};
      out = s;
      return std::nullopt;
    };
    std::optional<TokenError> error;
    if (key == "exp") error = number(found.exp);
    else if (key == "nbf") error = number(found.nbf);
    else if (key == "iss") error = string(found.iss);
    else if (key == "sub") error = string(found.sub);
    else if (key == "scope") error = string(found.scope);
    else if (key == "jti") error = string(found.jti);
    else if (key == "aud") found.aud = value;
    else continue;
    if (error) return std::unexpected(*error);
    // key is one of the seven names above, whose views outlive this loop.
    if (std::find(seen_names.begin(), seen_names.begin() + seen, key) != seen_names.begin() + seen)
      return refuse("the token's claims repeat " + std::string(key));
    seen_names[seen++] = key;
  }
  return found;
}

// Whether aud (a string, or an array of strings) holds audience; nullopt when aud has
// another shape.
std::optional<bool> audience_holds(simdjson::dom::element aud, std::string_view audience) {
  std::string_view one;
  if (!aud.get_string().get(one)) return one == audience;
  simdjson::dom::array many;
  if (aud.get_array().get(many)) return std::nullopt;
  bool holds = false;
  for (simdjson::dom::element element : many) {
    if (element.get_string().get(one)) return std::nullopt;
    holds = holds || one == audience;
  }
  return holds;
}

std::vector<std::string> split_scopes(std::string_view scope) {
  std::vector<std::string> scopes;
  while (!scope.empty()) {
    const auto space = scope.find(' ');
    if (space != 0) scopes.emplace_back(scope.substr(0, space));
    if (space == std::string_view::npos) break;
    scope.remove_prefix(space + 1);
  }
  return scopes;
}

}  // namespace

std::expected<Principal, TokenError> check_claims(std::string_view payload_json, const AuthOptions& options,
                                                  std::chrono::system_clock::time_point now) {
  thread_local simdjson::dom::parser parser(kMaxTokenBytes);
  const simdjson::padded_string padded(payload_json);
  simdjson::dom::object object;
  if (parser.parse(padded).get_object().get(object)) return refuse("the token's claims are not a JSON object");
  auto found = find_claims(object);
  if (!found) return std::unexpected(found.error());

  const double now_seconds = std::chrono::duration<double>(now.time_since_epoch()).count();
  const double leeway = static_cast<double>(options.leeway.count());
  if (!found->exp) return refuse("the token has no expiry (exp)");
  if (now_seconds >= *found->exp + leeway) return refuse("the token has expired");
  if (found->nbf && now_seconds + leeway < *found->nbf) return refuse("the token is not valid yet (nbf)");
  if (!options.issuer.empty() && found->iss != options.issuer)
    return refuse("the token's issuer (iss) is not the one expected");
  if (found->aud) {
    auto holds = audience_holds(*found->aud, options.audience);
    if (!holds) return refuse("the token's aud is neither a string nor an array of strings");
    if (!options.audience.empty() && !*holds) return refuse("the token's audience (aud) does not include this service");
  } else if (!options.audience.empty()) {
    return refuse("the token has no audience (aud)");
  }
  if (!found->sub) return refuse("the token has no subject (sub)");
  if (!commands::validate_phone("sub", *found->sub))
    return refuse("the token's subject (sub) is not a phone number (an optional '+' and 3 to 20 digits)");

  Principal principal;
  principal.subject = std::string(*found->sub);
  if (found->scope) principal.scopes = split_scopes(*found->scope);
  if (found->jti) principal.token_id = std::string(*found->jti);
  principal.expires_at = std::chrono::sys_seconds(
      std::chrono::seconds(static_cast<std::int64_t>(std::floor(std::min(*found->exp, kLatestExpiry)))));
  return principal;
}

}  // namespace mailbox::server::auth
