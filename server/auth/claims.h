#pragma once
// The claims of a token (RFC 7519 section 4.1) and the rules they must meet. A pure
// function of its input; thread-safe.

#include <chrono>
#include <expected>
#include <string_view>

#include "server/auth/auth_options.h"
#include "server/auth/principal.h"
#include "server/auth/token_error.h"

namespace mailbox::server::auth {

// The principal of a token whose signature has been verified, from its claims (the
// payload's JSON text), checked at time now:
//  - "exp" (a number of seconds since 1970) is required, and now must be before
//    exp + options.leeway; "nbf", when present, must be at most now + options.leeway;
//  - "iss" must equal options.issuer, and "aud" (a string or an array of strings) must
//    hold options.audience, each only when the option is set;
//  - "sub" is required: a phone number in the API's syntax (an optional '+' then 3 to
//    20 digits), kept exactly as given;
//  - "scope", when present, is a string of space-separated scopes; "jti", when present,
//    a string.
// Refused, saying which rule failed, when one does, when the payload is not a JSON
// object, when a claim above has the wrong JSON type, or when one comes twice (parsers
// disagree on which copy counts). Other claims ("iat", ...) are ignored.
std::expected<Principal, TokenError> check_claims(std::string_view payload_json, const AuthOptions& options,
                                                  std::chrono::system_clock::time_point now);

}  // namespace mailbox::server::auth
