#pragma once
// Who a verified bearer token speaks for.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace mailbox::server::auth {

// The caller a token was issued to, and what it may do. A plain value: copy it freely.
struct Principal {
  std::string subject;              // "sub": a phone number as the API writes it, kept as given
  std::vector<std::string> scopes;  // "scope", split at spaces, in the token's order
  std::string token_id;             // "jti"; empty when the token has none
  std::chrono::sys_seconds expires_at;  // "exp", rounded down to a second, at most 9e9 (about 2255)

  // Whether scopes holds scope exactly (case matters).
  bool has_scope(std::string_view scope) const;
};

}  // namespace mailbox::server::auth
