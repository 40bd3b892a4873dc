#pragma once
// base64url (RFC 4648 section 5) without padding, as JWS (RFC 7515) uses it.

#include <optional>
#include <string>
#include <string_view>

namespace mailbox::server::auth {

// The unpadded base64url text of bytes. Thread-safe.
std::string base64url_encode(std::string_view bytes);

// The bytes that text encodes, or nullopt when it is not canonical unpadded base64url:
// a character outside [A-Za-z0-9_-] (padding '=' included), a length of 4n+1, or
// nonzero bits left over in the last character (so that each byte string has exactly
// one encoding). Empty text decodes to empty bytes. Thread-safe.
std::optional<std::string> base64url_decode(std::string_view text);

}  // namespace mailbox::server::auth
