#pragma once
// Public keys as JWKs (RFC 7517/7518): building OpenSSL keys from JWK members, the
// algorithm each kind of key is pinned to, and RFC 7638 thumbprints (the key ids of
// PEM keys, and of mailbox-token's kids).
//
// Every function is thread-safe; a key passed in is only read.

#include <openssl/types.h>

#include <expected>
#include <string>
#include <string_view>

#include "server/auth/algorithm.h"
#include "server/auth/openssl_handles.h"

namespace mailbox::server::auth {

// The algorithm key is pinned to: RS256 for an RSA key of at least 2048 bits, ES256
// for an EC key on P-256. Otherwise a sentence saying what the key is and what is
// accepted. key may hold a private part too; only its public part is looked at.
std::expected<Algorithm, std::string> key_algorithm(const EVP_PKEY* key);

// The RFC 7638 thumbprint of key's public part (an RSA or EC P-256 key): base64url of
// the SHA-256 of the canonical JSON of its required JWK members. Otherwise, as
// key_algorithm, a sentence saying why not.
std::expected<std::string, std::string> jwk_thumbprint(const EVP_PKEY* key);

// The thumbprint from the members as a JWK writes them (base64url, unpadded): RSA's
// n and e, EC's crv, x and y. The members are used as given, not checked.
std::string rsa_jwk_thumbprint(std::string_view n, std::string_view e);
std::string ec_jwk_thumbprint(std::string_view crv, std::string_view x, std::string_view y);

// An RSA public key from a JWK's n and e (base64url), checked by OpenSSL and pinned as
// key_algorithm says. Otherwise a sentence saying what is wrong.
std::expected<PkeyPtr, std::string> rsa_public_key_from_jwk(std::string_view n, std::string_view e);

// An EC public key from a JWK's crv ("P-256" only), x and y (base64url of 32 bytes
// each), checked to be a point on the curve. Otherwise a sentence saying what is wrong.
std::expected<PkeyPtr, std::string> ec_public_key_from_jwk(std::string_view crv, std::string_view x,
                                                           std::string_view y);

}  // namespace mailbox::server::auth
