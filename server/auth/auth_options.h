#pragma once
// How bearer tokens are checked: where the keys are, and which claims must hold.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

namespace mailbox::server::auth {

struct AuthOptions {
  // A file whose bytes, less one trailing newline, are the HS256 secret (at least 32
  // bytes). Its key id is "hs256". Empty: no HMAC key.
  std::string hs256_secret_file;
  // A file of public keys: one or more PEM "PUBLIC KEY" blocks (RSA of 2048 bits or
  // more for RS256, EC P-256 for ES256), or a JWKS document {"keys": [...]}. A PEM
  // key's id is its RFC 7638 JWK thumbprint; a JWK's id is its "kid" (its thumbprint
  // when it has none). Empty: no public keys.
  std::string public_keys_file;
  // When not empty, a token's "iss" must equal it.
  std::string issuer;
  // When not empty, a token's "aud" (a string, or an array of strings) must hold it.
  std::string audience;
  // How far "exp" and "nbf" may be off: clocks differ between machines.
  std::chrono::seconds leeway{60};
  // At most this many verified tokens are remembered (0: none).
  std::size_t cache_entries = 10000;
  // The time to check "exp" and "nbf" against; empty: the system clock. Tests set it.
  // It is called from every thread that verifies, so it must be thread-safe.
  std::function<std::chrono::system_clock::time_point()> clock;
};

}  // namespace mailbox::server::auth
