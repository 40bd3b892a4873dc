#pragma once
// The server's Authenticator (server/authenticator.h) answered by a TokenVerifier:
// what mailboxd plugs in when keys are configured.

#include <memory>

#include "server/auth/token_verifier.h"
#include "server/authenticator.h"

namespace mailbox::server::auth {

class BearerAuthenticator final : public Authenticator {
 public:
  explicit BearerAuthenticator(std::unique_ptr<TokenVerifier> verifier) : verifier_(std::move(verifier)) {}

  std::expected<Identity, std::string> verify(std::string_view token) const override;

  // The verifier behind it, to reload its keys (SIGHUP) and describe them in logs.
  TokenVerifier& verifier() { return *verifier_; }

 private:
  std::unique_ptr<TokenVerifier> verifier_;
};

}  // namespace mailbox::server::auth
