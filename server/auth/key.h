#pragma once
// One verification key: its id, the one algorithm it is pinned to, and the material
// (an HMAC secret or an OpenSSL public key).

#include <string>
#include <string_view>

#include "server/auth/algorithm.h"
#include "server/auth/openssl_handles.h"

namespace mailbox::server::auth {

struct Key {
  std::string id;
  Algorithm algorithm = Algorithm::hs256;
  std::string secret;    // for HS256
  PkeyPtr public_key;    // for RS256 and ES256

  // Whether signature (the JWS signature, decoded) signs signing_input (the token's
  // "header.payload" text) under this key's algorithm, as OpenSSL checks it: HMAC-SHA256
  // compared in constant time for HS256; EVP_DigestVerify with SHA-256 for RS256
  // (PKCS #1 v1.5) and ES256 (the 64-byte r||s turned into DER first; any other length
  // is refused). Leaves nothing on OpenSSL's error queue.
  // Thread-safe: any number of threads may verify with one key at once (the OpenSSL
  // key is only read; each call has its own context).
  bool verify(std::string_view signing_input, std::string_view signature) const;
};

}  // namespace mailbox::server::auth
