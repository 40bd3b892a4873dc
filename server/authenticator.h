#pragma once
// Checking a bearer token: the server asks, a key set answers (server/auth, wired by
// mailboxd). Without an Authenticator the server runs in open mode.

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace mailbox::server {

struct Identity {
  std::string subject;  // a phone number
  std::vector<std::string> scopes;
  std::string token_id;  // jti, may be empty
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The identity a token proves, or why it proves none (for WWW-Authenticate's
  // error_description; never the token itself). Thread-safe; must not block for long.
  virtual std::expected<Identity, std::string> verify(std::string_view token) const = 0;
};

}  // namespace mailbox::server
