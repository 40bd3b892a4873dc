#pragma once
// The JWS compact serialization (RFC 7515 section 7.1): three base64url parts joined by
// dots, and the protected header in the first. Everything here is a pure function of
// its input; thread-safe.

#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "server/auth/algorithm.h"
#include "server/auth/token_error.h"

namespace mailbox::server::auth {

// The longest token accepted, in bytes.
inline constexpr std::size_t kMaxTokenBytes = 8 * 1024;

// A token taken apart; nothing in it is verified yet.
struct CompactJws {
  std::string_view signing_input;  // "header.payload" as it was sent: what the signature signs
  std::string header;              // decoded: the protected header's JSON text
  std::string payload;             // decoded: the claims' JSON text
  std::string signature;           // decoded
};

// The parts of token. Refused when token is empty, longer than kMaxTokenBytes, has
// other than three dot-separated parts, a part is not base64url (see base64url.h), or
// a part is empty.
// signing_input views token: it lives as long as token does.
std::expected<CompactJws, TokenError> split_compact_jws(std::string_view token);

// What verification needs from a protected header.
struct JoseHeader {
  Algorithm algorithm = Algorithm::hs256;
  std::optional<std::string> key_id;  // "kid"
};

// The header's "alg" and "kid". Refused when the header is not a JSON object, "alg" is
// missing or names no supported algorithm ("none", in any case, never is), "kid" is not
// a string, a member comes twice, or there is a "crit" member (no extension is
// understood, so RFC 7515 section 4.1.11 says to refuse). Other members ("typ", "jku",
// "x5u", "jwk", ...) are ignored: a key is never taken from the token.
std::expected<JoseHeader, TokenError> parse_jose_header(std::string_view header_json);

}  // namespace mailbox::server::auth
