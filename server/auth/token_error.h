#pragma once
// Why a bearer token was refused.

#include <string>

namespace mailbox::server::auth {

// For the error_description of a WWW-Authenticate: Bearer error="invalid_token"
// answer (RFC 6750). The description is fixed text of printable ASCII without '"' or
// '\', so it may be put in a quoted-string as it is. It never holds the token or any
// part of it (nor the token's kid or alg as given): only this module's own words and
// the names of configured keys and algorithms.
struct TokenError {
  std::string description;
};

}  // namespace mailbox::server::auth
