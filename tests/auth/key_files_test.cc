#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "tests/auth/auth_fixture.h"

using namespace mailbox::testing;
using mailbox::server::auth::TokenVerifier;

namespace {

struct BadFile {
  const char* what;
  std::string content;
  const char* phrase;  // part of the error message
};

// Why loading options fails; a failed check (and "") when it does not.
std::string load_error(const mailbox::server::auth::AuthOptions& options) {
  auto verifier = TokenVerifier::load(options);
  if (verifier.has_value()) {
    FAIL_CHECK("the key files were accepted");
    return "";
  }
  CHECK(verifier.error().code == mailbox::app::Code::invalid_argument);
  return verifier.error().message;
}

TestKey ed25519_key() { return TestKey(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519")); }

}  // namespace

TEST_CASE("the HS256 secret is the file's bytes less one trailing newline, and at least 32 bytes") {
  TempDir dir;
  auto options = fixed_clock_options();
  options.hs256_secret_file = dir.sub("secret");
  const std::string s32(32, 's');

  SUBCASE("31 bytes are refused, naming the file and without the secret") {
    write_file(options.hs256_secret_file, std::string(31, 's'));
    const std::string message = load_error(options);
    CHECK(message.find(options.hs256_secret_file + ": the HS256 secret is 31 bytes") == 0);
    CHECK(message.find("sss") == std::string::npos);
  }
  SUBCASE("31 bytes and a newline are refused: the newline does not count") {
    write_file(options.hs256_secret_file, std::string(31, 's') + "\n");
    CHECK(load_error(options).find("is 31 bytes") != std::string::npos);
  }
  SUBCASE("32 bytes and a newline: the secret is the 32 bytes") {
    write_file(options.hs256_secret_file, s32 + "\n");
    auto verifier = load_verifier(options);
    CHECK(verifier->describe_keys().at(0).id == "hs256");
    CHECK(verifier->verify(hs256_token(s32, jws_header("HS256"), Claims{}.json())).has_value());
    CHECK_FALSE(verifier->verify(hs256_token(s32 + "\n", jws_header("HS256"), Claims{}.json())).has_value());
  }
  SUBCASE("two newlines: only one is removed") {
    write_file(options.hs256_secret_file, s32 + "\n\n");
    auto verifier = load_verifier(options);
    CHECK(verifier->verify(hs256_token(s32 + "\n", jws_header("HS256"), Claims{}.json())).has_value());
    CHECK_FALSE(verifier->verify(hs256_token(s32, jws_header("HS256"), Claims{}.json())).has_value());
  }
  SUBCASE("a missing file is refused, naming it") {
    CHECK(load_error(options).find(options.hs256_secret_file + ": cannot be read") == 0);
  }
}

TEST_CASE("a public keys file that is wrong anywhere is refused as a whole, naming the file and what is wrong") {
  const std::string rsa = public_pem(rsa_key_1());
  const std::string ec = public_pem(ec_key_1());
  const std::string rsa_jwk = public_jwk(rsa_key_1(), "rsa-1");
  const std::vector<BadFile> files = {
      {"an empty file", "", "is empty"},
      {"only blanks", " \n\t\n", "is empty"},
      {"text", "hello\n", "holds neither a PEM public key nor a JWKS document"},
      {"a private key", private_pem(rsa_key_1()), "PEM block 1 is a \"PRIVATE KEY\""},
      {"a public key, then a private key", rsa + private_pem(ec_key_1()), "PEM block 2 is a \"PRIVATE KEY\""},
      {"a PEM block cut short", rsa.substr(0, rsa.size() / 2), "PEM block 1 is not valid PEM"},
      {"a PEM block of garbage", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "not a public key OpenSSL can read"},
      {"an RSA key of 1024 bits", public_pem(generate_rsa_key(1024).get()), "an RSA key of 1024 bits"},
      {"a P-384 key", public_pem(generate_ec_key("P-384").get()), "a curve other than P-256"},
      {"an Ed25519 key", public_pem(ed25519_key().get()), "a key of type ED25519"},
      {"the same PEM key twice", rsa + ec + rsa, "two keys have the id"},
      {"JSON that is not JWKS", R"({"kty":"RSA"})", "without a \"keys\" array"},
      {"broken JSON", R"({"keys":[)", "is not valid JSON"},
      {"an empty keys array", R"({"keys":[]})", "empty \"keys\" array"},
      {"a JWK that is not an object", R"({"keys":["x"]})", "key 0 of \"keys\" is not a JSON object"},
      {"a JWK without kty", jwks({R"({"kid":"a","n":"AQAB","e":"AQAB"})"}), "has no \"kty\""},
      {"a symmetric JWK", jwks({R"({"kty":"oct","kid":"a","k":"c2VjcmV0"})"}), "is a symmetric key"},
      {"an OKP JWK", jwks({R"({"kty":"OKP","kid":"a","crv":"Ed25519","x":"AAAA"})"}), "other than RSA and EC"},
      {"a JWK with a private part", jwks({public_jwk(rsa_key_1(), "a", R"("d":"AQAB")")}), "holds a private key"},
      {"a JWK for encryption", jwks({public_jwk(rsa_key_1(), "a", R"("use":"enc")")}), "\"use\" other than \"sig\""},
      {"an RSA JWK with alg RS384", jwks({public_jwk(rsa_key_1(), "a", R"("alg":"RS384")")}), "used for RS256 only"},
      {"an RSA JWK with alg HS256", jwks({public_jwk(rsa_key_1(), "a", R"("alg":"HS256")")}), "used for RS256 only"},
      {"an EC JWK with alg RS256", jwks({public_jwk(ec_key_1(), "a", R"("alg":"RS256")")}), "used for ES256 only"},
      {"an EC JWK on P-384", jwks({R"({"kty":"EC","kid":"a","crv":"P-384","x":"AAAA","y":"AAAA"})"}), "not P-256"},
      {"an EC JWK with a short x", jwks({R"({"kty":"EC","kid":"a","crv":"P-256","x":"AAAA","y":"AAAA"})"}), "\"x\" is not base64url of 32 bytes"},
      {"an EC JWK off the curve",
       jwks({"{\"kty\":\"EC\",\"kid\":\"a\",\"crv\":\"P-256\",\"x\":\"" + b64url(std::string(32, '\1')) + "\",\"y\":\"" +
             b64url(std::string(32, '\2')) + "\"}"}),
       "EC"},
      {"an RSA JWK without e", jwks({R"({"kty":"RSA","kid":"a","n":"AQAB"})"}), "without \"n\" and \"e\""},
      {"an RSA JWK with n not base64url", jwks({R"({"kty":"RSA","kid":"a","n":"A+B=","e":"AQAB"})"}), "\"n\" is not base64url"},
      {"an RSA JWK of 1024 bits", jwks({public_jwk(generate_rsa_key(1024).get(), "a")}), "an RSA key of 1024 bits"},
      {"a kid that is not a string", jwks({public_jwk(rsa_key_1(), "", R"("kid":7)")}), "\"kid\" is not a string"},
      {"an empty kid", jwks({public_jwk(rsa_key_1(), "", R"("kid":"")")}), "empty \"kid\""},
      {"two JWKs with one kid", jwks({rsa_jwk, public_jwk(ec_key_1(), "rsa-1")}), "two keys have the id \"rsa-1\""},
  };
  for (const BadFile& file : files) {
    INFO("case: " << std::string(file.what));
    TempDir dir;
    auto options = fixed_clock_options();
    options.public_keys_file = dir.sub("keys");
    write_file(options.public_keys_file, file.content);
    const std::string message = load_error(options);
    CAPTURE(message);
    CHECK(message.find(options.public_keys_file + ": ") == 0);
    CHECK(message.find(file.phrase) != std::string::npos);
  }
}

TEST_CASE("a missing public keys file is refused, naming it") {
  auto options = fixed_clock_options();
  options.public_keys_file = "/nonexistent/keys.pem";
  CHECK(load_error(options).find("/nonexistent/keys.pem: cannot be read") == 0);
}

TEST_CASE("a JWK with the id hs256 is refused beside an HS256 secret, which has that id") {
  TempDir dir;
  auto options = fixed_clock_options();
  options.hs256_secret_file = dir.sub("secret");
  options.public_keys_file = dir.sub("jwks.json");
  write_file(options.hs256_secret_file, kSecret);
  write_file(options.public_keys_file, jwks({public_jwk(rsa_key_1(), "hs256")}));
  CHECK(load_error(options).find("a key has the id \"hs256\"") != std::string::npos);
}

TEST_CASE("a PEM file may hold several public keys of both kinds, with text between them") {
  TempDir dir;
  auto options = fixed_clock_options();
  options.public_keys_file = dir.sub("keys.pem");
  write_file(options.public_keys_file, "# signing keys\n" + public_pem(rsa_key_1()) + "\nnext:\n" +
                                           public_pem(ec_key_1()) + public_pem(rsa_key_2()));
  auto verifier = load_verifier(options);
  auto keys = verifier->describe_keys();
  REQUIRE(keys.size() == 3);
  CHECK(keys[0].algorithm == "RS256");
  CHECK(keys[1].algorithm == "ES256");
  CHECK(keys[2].algorithm == "RS256");
  CHECK(verifier->verify(es256_token(ec_key_1(), jws_header("ES256"), Claims{}.json())).has_value());
  CHECK(verifier->verify(rs256_token(rsa_key_2(), jws_header("RS256", keys[2].id), Claims{}.json())).has_value());
  auto ambiguous = verifier->verify(rs256_token(rsa_key_2(), jws_header("RS256"), Claims{}.json()));
  REQUIRE_FALSE(ambiguous.has_value());
  CHECK(ambiguous.error().description.find("more than one RS256 key") != std::string::npos);
}

TEST_CASE("a JWKS may give alg and use when they agree with the key, and other members are ignored") {
  TempDir dir;
  auto options = fixed_clock_options();
  options.public_keys_file = dir.sub("jwks.json");
  write_file(options.public_keys_file,
             jwks({public_jwk(rsa_key_1(), "r", R"("alg":"RS256","use":"sig","key_ops":["verify"])"),
                   public_jwk(ec_key_1(), "e", R"("alg":"ES256","use":"sig","x5t":"abc")")}));
  auto verifier = load_verifier(options);
  CHECK(verifier->verify(rs256_token(rsa_key_1(), jws_header("RS256", "r"), Claims{}.json())).has_value());
  CHECK(verifier->verify(es256_token(ec_key_1(), jws_header("ES256", "e"), Claims{}.json())).has_value());
}
