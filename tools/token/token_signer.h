#pragma once
// Signing tokens for mailbox-token, with the same key rules as the verifier
// (server/auth): an HS256 secret file, or a PEM private key whose type picks the
// algorithm (RSA of at least 2048 bits: RS256; EC P-256: ES256).

#include <optional>
#include <string>
#include <string_view>

#include "app/status.h"
#include "server/auth/algorithm.h"
#include "server/auth/openssl_handles.h"

namespace mailbox::token {

struct SigningKey {
  server::auth::Algorithm algorithm = server::auth::Algorithm::hs256;
  std::string secret;                    // HS256
  server::auth::PkeyPtr private_key;     // RS256, ES256
  std::optional<std::string> thumbprint;  // RS256, ES256: RFC 7638, as the verifier names the public key
};

// The HS256 key of a secret file, read as the verifier reads it (one trailing newline
// dropped, at least 32 bytes).
app::Result<SigningKey> read_hs256_signing_key(const std::string& path);

// The private key in a PEM file (PKCS #8 "PRIVATE KEY", or the traditional RSA and EC
// forms), with its algorithm and thumbprint. Refused when the file cannot be read, is no
// private key, or is a kind of key the verifier does not accept.
app::Result<SigningKey> read_pem_signing_key(const std::string& path);

// header_json and payload_json as a compact JWS, signed by key: base64url parts joined
// by dots. An ES256 signature is written as JWS wants it, r||s of 32 bytes each.
app::Result<std::string> sign_compact_jws(const SigningKey& key, std::string_view header_json,
                                          std::string_view payload_json);

}  // namespace mailbox::token
