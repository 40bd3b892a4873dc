#include "server/auth/bearer_authenticator.h"

namespace mailbox::server::auth {

std::expected<Identity, std::string> BearerAuthenticator::verify(std::string_view token) const {
  auto principal = verifier_->verify(token);
  if (!principal) return std::unexpected(std::move(principal.error().description));
  return Identity{std::move(principal->subject), std::move(principal->scopes), std::move(principal->token_id)};
}

}  // namespace mailbox::server::auth
