#pragma once
// Reading the key files named in AuthOptions. Each refusal is an invalid_argument error
// whose message starts with the file's path and says what is wrong with it; it never
// holds a secret.
//
// Thread-safe (each call reads its own file and builds its own keys).

#include <string>
#include <vector>

#include "app/status.h"
#include "server/auth/key.h"

namespace mailbox::server::auth {

// The id of the key read from an HS256 secret file.
inline constexpr std::string_view kHs256KeyId = "hs256";

// The largest key file read (a bigger one is refused).
inline constexpr std::size_t kMaxKeyFileBytes = 1 << 20;

// The HS256 secret in the file at path: its bytes, less one trailing '\n' if there is
// one (so `echo` and editors may end the file with a newline). Refused when the file
// cannot be read, or the secret is shorter than 32 bytes (RFC 7518 section 3.2: at
// least the hash's size).
app::Result<std::string> read_hs256_secret(const std::string& path);

// The HS256 key (id "hs256") of the secret file at path, as read_hs256_secret reads it.
app::Result<Key> read_hs256_key(const std::string& path);

// The public keys in the file at path, in the file's order. The file is either
//  - one or more PEM "PUBLIC KEY" blocks (SubjectPublicKeyInfo, as `openssl pkey
//    -pubout` writes them); each key's id is its RFC 7638 thumbprint; or
//  - a JWKS document, {"keys": [...]}, of JWKs with "kty" RSA ("n", "e") or EC ("crv"
//    P-256, "x", "y"); each key's id is its "kid", or its thumbprint when it has none.
//    A JWK's "alg", when present, must be its key's one algorithm, and its "use", when
//    present, "sig"; a JWK with a private member ("d") or of "kty" "oct" is refused.
// Every key must be RSA of at least 2048 bits (RS256) or EC P-256 (ES256), and the
// file must hold at least one. Anything else in it is refused as a whole, never
// skipped: a PEM block of another kind (a private key, a certificate), a JWK the
// module cannot use, text that is neither PEM nor JSON.
app::Result<std::vector<Key>> read_public_keys(const std::string& path);

}  // namespace mailbox::server::auth
