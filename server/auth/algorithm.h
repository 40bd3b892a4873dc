#pragma once
// The JWS algorithms (RFC 7518) this module accepts. Each key is pinned to exactly one
// of them: an HMAC secret to HS256, an RSA key to RS256, a P-256 key to ES256.

#include <optional>
#include <string_view>

namespace mailbox::server::auth {

enum class Algorithm { hs256, rs256, es256 };

// "HS256", "RS256", "ES256": the names of the JWS header's "alg".
std::string_view algorithm_name(Algorithm algorithm);

// The algorithm an "alg" value names, exactly as spelled (case matters, as in JWS);
// nullopt for anything else, "none" included.
std::optional<Algorithm> parse_algorithm(std::string_view alg);

}  // namespace mailbox::server::auth
