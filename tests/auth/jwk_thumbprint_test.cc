#include <doctest/doctest.h>

#include "server/auth/jwk.h"
#include "tests/auth/auth_fixture.h"

using namespace mailbox::testing;
namespace auth = mailbox::server::auth;

namespace {

// RFC 7638 section 3.1: the example RSA key and its thumbprint.
const char* kRfcN =
    "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn"
    "64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n9"
    "1CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
const char* kRfcE = "AQAB";
const std::string kRfcThumbprint = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

}  // namespace

TEST_CASE("the RFC 7638 thumbprint of RFC 7638's example RSA key is the RFC's value") {
  CHECK(auth::rsa_jwk_thumbprint(kRfcN, kRfcE) == kRfcThumbprint);
  auto key = auth::rsa_public_key_from_jwk(kRfcN, kRfcE);
  REQUIRE_MESSAGE(key.has_value(), (key ? "" : key.error()));
  CHECK(auth::jwk_thumbprint(key->get()) == kRfcThumbprint);
}

TEST_CASE("a PEM public key's id is its RFC 7638 thumbprint: RFC 7638's example key written as PEM gets the RFC's value") {
  auto key = auth::rsa_public_key_from_jwk(kRfcN, kRfcE);
  REQUIRE(key.has_value());
  TempDir dir;
  write_file(dir.sub("rfc.pem"), public_pem(key->get()));
  auto options = fixed_clock_options();
  options.public_keys_file = dir.sub("rfc.pem");
  auto keys = load_verifier(options)->describe_keys();
  REQUIRE(keys.size() == 1);
  CHECK(keys[0].id == kRfcThumbprint);
  CHECK(keys[0].algorithm == "RS256");
}

TEST_CASE("a key's thumbprint is the same from its PEM, from its JWK without kid, and from its private key") {
  for (EVP_PKEY* key : {rsa_key_1(), ec_key_1()}) {
    TempDir dir;
    write_file(dir.sub("key.pem"), public_pem(key));
    write_file(dir.sub("jwks.json"), jwks({public_jwk(key, "")}));
    auto from_pem = fixed_clock_options();
    from_pem.public_keys_file = dir.sub("key.pem");
    auto from_jwk = fixed_clock_options();
    from_jwk.public_keys_file = dir.sub("jwks.json");
    const std::string pem_id = load_verifier(from_pem)->describe_keys().at(0).id;
    CHECK(pem_id.size() == 43);  // 32 bytes of SHA-256 in base64url
    CHECK(load_verifier(from_jwk)->describe_keys().at(0).id == pem_id);
    CHECK(auth::jwk_thumbprint(key) == pem_id);  // key holds the private part too
  }
}

TEST_CASE("an EC thumbprint covers crv, kty, x and y in that order") {
  // The members as RFC 7638 section 3.2 orders them; the digest is checked by hand here.
  const std::string json = R"({"crv":"P-256","kty":"EC","x":"AAAA","y":"BBBB"})";
  unsigned char digest[32];
  unsigned int n = 0;
  REQUIRE(EVP_Digest(json.data(), json.size(), digest, &n, EVP_sha256(), nullptr) == 1);
  CHECK(auth::ec_jwk_thumbprint("P-256", "AAAA", "BBBB") == b64url(std::string(reinterpret_cast<char*>(digest), n)));
}
