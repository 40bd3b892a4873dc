#include <doctest/doctest.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "server/auth/base64url.h"
#include "tests/auth/auth_fixture.h"

using namespace mailbox::testing;
using mailbox::server::auth::TokenVerifier;

namespace {

struct Case {
  const char* what;
  std::string token;
  const char* refusal;  // a phrase of the refusal's description; nullptr: accepted
};

std::string with_payload_changed(const std::string& token, const std::string& claims_json) {
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  return token.substr(0, first + 1) + b64url(claims_json) + token.substr(second);
}

std::string with_signature(const std::string& token, const std::string& signature) {
  return token.substr(0, token.rfind('.') + 1) + b64url(signature);
}

// A token of exactly `size` bytes, signed with HS256, its claims padded with "pad".
std::string hs256_token_of_size(std::size_t size) {
  auto token_with_pad = [](std::size_t pad) {
    return hs256_token(kSecret, jws_header("HS256"), Claims{.extra = "\"pad\":\"" + std::string(pad, 'p') + "\""}.json());
  };
  const std::size_t base = token_with_pad(0).size();
  std::size_t pad = (size - base) * 3 / 4 - 8;  // each 3 bytes of claims are 4 of the token
  std::string token = token_with_pad(pad);
  while (token.size() < size) token = token_with_pad(++pad);
  if (token.size() != size) throw std::runtime_error("no token of " + std::to_string(size) + " bytes");
  return token;
}

std::vector<Case> cases() {
  const std::string rsa_pem = public_pem(rsa_key_1());
  const Claims good;
  const std::string hs256 = hs256_token(kSecret, jws_header("HS256"), good.json());
  const std::string rs256 = rs256_token(rsa_key_1(), jws_header("RS256", "rsa-1"), good.json());
  const std::string es256 = es256_token(ec_key_1(), jws_header("ES256", "ec-1"), good.json());
  const std::string es256_signature = *mailbox::server::auth::base64url_decode(es256.substr(es256.rfind('.') + 1));
  const std::string nine_kib = hs256_token_of_size(8193);
  return {
      // Accepted.
      {"HS256 without kid (the only HS256 key)", hs256, nullptr},
      {"HS256 with kid hs256", hs256_token(kSecret, jws_header("HS256", "hs256"), good.json()), nullptr},
      {"RS256 with kid", rs256, nullptr},
      {"RS256 signed with the second RSA key and its kid", rs256_token(rsa_key_2(), jws_header("RS256", "rsa-2"), good.json()), nullptr},
      {"ES256 with kid", es256, nullptr},
      {"ES256 without kid (the only ES256 key)", es256_token(ec_key_1(), jws_header("ES256"), good.json()), nullptr},
      {"aud as an array holding the audience", hs256_token(kSecret, jws_header("HS256"), Claims{.aud = R"(["other","mailbox"])"}.json()), nullptr},
      {"expired 59 s ago, within the leeway", hs256_token(kSecret, jws_header("HS256"), Claims{.exp = std::to_string(kNow - 59)}.json()), nullptr},
      {"exp as a fraction", hs256_token(kSecret, jws_header("HS256"), Claims{.exp = std::to_string(kNow + 10) + ".5"}.json()), nullptr},
      {"nbf 59 s ahead, within the leeway", hs256_token(kSecret, jws_header("HS256"), Claims{.nbf = std::to_string(kNow + 59)}.json()), nullptr},
      {"sub with a leading +", hs256_token(kSecret, jws_header("HS256"), Claims{.sub = "\"+821012345678\""}.json()), nullptr},
      {"no scope, no jti", hs256_token(kSecret, jws_header("HS256"), Claims{.scope = "", .jti = ""}.json()), nullptr},
      {"a token of 8192 bytes", hs256_token_of_size(8192), nullptr},

      // Time.
      {"expired 60 s ago, past the leeway", hs256_token(kSecret, jws_header("HS256"), Claims{.exp = std::to_string(kNow - 60)}.json()), "expired"},
      {"expired long ago", rs256_token(rsa_key_1(), jws_header("RS256", "rsa-1"), Claims{.exp = "1000"}.json()), "expired"},
      {"not valid for 61 s yet", hs256_token(kSecret, jws_header("HS256"), Claims{.nbf = std::to_string(kNow + 61)}.json()), "not valid yet"},
      {"no exp", hs256_token(kSecret, jws_header("HS256"), Claims{.exp = ""}.json()), "no expiry"},
      {"exp as a string", hs256_token(kSecret, jws_header("HS256"), Claims{.exp = "\"" + std::to_string(kNow + 600) + "\""}.json()), "exp is not a number"},
      {"nbf as a string", hs256_token(kSecret, jws_header("HS256"), Claims{.nbf = "\"0\""}.json()), "nbf is not a number"},

      // Issuer, audience, subject.
      {"another issuer", hs256_token(kSecret, jws_header("HS256"), Claims{.iss = "\"https://evil.test\""}.json()), "issuer"},
      {"no issuer", hs256_token(kSecret, jws_header("HS256"), Claims{.iss = ""}.json()), "issuer"},
      {"another audience", hs256_token(kSecret, jws_header("HS256"), Claims{.aud = "\"payments\""}.json()), "audience"},
      {"an audience array without ours", hs256_token(kSecret, jws_header("HS256"), Claims{.aud = R"(["payments"])"}.json()), "audience"},
      {"no audience", hs256_token(kSecret, jws_header("HS256"), Claims{.aud = ""}.json()), "no audience"},
      {"aud as a number", hs256_token(kSecret, jws_header("HS256"), Claims{.aud = "7"}.json()), "aud is neither"},
      {"no sub", hs256_token(kSecret, jws_header("HS256"), Claims{.sub = ""}.json()), "no subject"},
      {"sub not a phone number", hs256_token(kSecret, jws_header("HS256"), Claims{.sub = "\"alice\""}.json()), "not a phone number"},
      {"sub of 2 digits", hs256_token(kSecret, jws_header("HS256"), Claims{.sub = "\"12\""}.json()), "not a phone number"},
      {"sub of 21 digits", hs256_token(kSecret, jws_header("HS256"), Claims{.sub = "\"" + std::string(21, '1') + "\""}.json()), "not a phone number"},
      {"sub with a dash", hs256_token(kSecret, jws_header("HS256"), Claims{.sub = "\"010-1234-5678\""}.json()), "not a phone number"},
      {"sub with a space after", hs256_token(kSecret, jws_header("HS256"), Claims{.sub = "\"01012345678 \""}.json()), "not a phone number"},
      {"sub as a number", hs256_token(kSecret, jws_header("HS256"), Claims{.sub = "1012345678"}.json()), "sub is not a string"},
      {"scope as an array", hs256_token(kSecret, jws_header("HS256"), Claims{.scope = R"(["mailbox:admin"])"}.json()), "scope is not a string"},
      {"sub given twice", hs256_token(kSecret, jws_header("HS256"), Claims{.extra = R"("sub":"01099999999")"}.json()), "repeat sub"},

      // Signatures.
      {"HS256 with another secret", hs256_token(kSecret + "x", jws_header("HS256"), good.json()), "signature does not verify"},
      {"RS256 signed by rsa-2 under rsa-1's kid", rs256_token(rsa_key_2(), jws_header("RS256", "rsa-1"), good.json()), "signature does not verify"},
      {"ES256 by another P-256 key", es256_token(ec_key_2(), jws_header("ES256", "ec-1"), good.json()), "signature does not verify"},
      {"HS256 claims changed after signing", with_payload_changed(hs256, Claims{.sub = "\"01099999999\""}.json()), "signature does not verify"},
      {"RS256 claims changed after signing", with_payload_changed(rs256, Claims{.scope = "\"mailbox:admin\""}.json()), "signature does not verify"},
      {"ES256 claims changed after signing", with_payload_changed(es256, Claims{.exp = std::to_string(kNow + 99999)}.json()), "signature does not verify"},
      {"ES256 signature of 63 bytes", with_signature(es256, es256_signature.substr(1)), "signature does not verify"},
      {"ES256 signature of 65 bytes", with_signature(es256, es256_signature + "x"), "signature does not verify"},
      {"ES256 signature in DER, as OpenSSL makes it", with_signature(es256, digest_sign(ec_key_1(), signing_input(jws_header("ES256", "ec-1"), good.json()))), "signature does not verify"},

      // Algorithms.
      {"alg none without a signature", signing_input(R"({"alg":"none"})", good.json()) + ".", "no signature"},
      {"alg none with a signature", signing_input(R"({"alg":"none"})", good.json()) + ".c2ln", "alg none"},
      {"alg NoNe", hs256_token(kSecret, R"({"alg":"NoNe"})", good.json()), "alg none"},
      {"alg hs256 in lower case", hs256_token(kSecret, R"({"alg":"hs256"})", good.json()), "not one of"},
      {"alg HS512", hs256_token(kSecret, R"({"alg":"HS512"})", good.json()), "not one of"},
      {"no alg", hs256_token(kSecret, R"({"typ":"JWT"})", good.json()), "no algorithm"},
      {"alg twice", hs256_token(kSecret, R"({"alg":"HS256","alg":"RS256"})", good.json()), "repeats"},
      {"crit", hs256_token(kSecret, R"({"alg":"HS256","crit":["exp"]})", good.json()), "crit"},
      {"HS256 signed with the RSA public key's PEM, under its kid", hs256_token(rsa_pem, jws_header("HS256", "rsa-1"), good.json()), "is not its key's (RS256)"},
      {"HS256 signed with the RSA public key's PEM, without kid", hs256_token(rsa_pem, jws_header("HS256"), good.json()), "signature does not verify"},
      {"ES256 header under an RSA key's kid", es256_token(ec_key_1(), jws_header("ES256", "rsa-1"), good.json()), "is not its key's (RS256)"},
      {"RS256 header under the HS256 key's kid", rs256_token(rsa_key_1(), jws_header("RS256", "hs256"), good.json()), "is not its key's (HS256)"},
      {"unknown kid", rs256_token(rsa_key_1(), jws_header("RS256", "rsa-9"), good.json()), "names no known key"},
      {"kid as a number", hs256_token(kSecret, R"({"alg":"HS256","kid":7})", good.json()), "not a string"},
      {"RS256 without kid, with two RSA keys", rs256_token(rsa_key_1(), jws_header("RS256"), good.json()), "more than one RS256 key"},

      // Malformed.
      {"empty", "", "empty"},
      {"one part", "abc", "three base64url parts"},
      {"two parts", hs256.substr(0, hs256.rfind('.')), "three base64url parts"},
      {"four parts", hs256 + ".abc", "three base64url parts"},
      {"only dots", "..", "not base64url"},
      {"truncated by one character", hs256.substr(0, hs256.size() - 1), "signature"},
      {"truncated in the middle", hs256.substr(0, hs256.size() / 2), "three base64url parts"},
      {"a signature cut to 4n+1 characters", hs256.substr(0, hs256.rfind('.') + 2), "signature is not base64url"},
      {"garbage", "###.###.###", "header is not base64url"},
      {"padding", hs256 + "=", "signature is not base64url"},
      {"standard base64 characters", hs256_token(kSecret, R"({"alg":"HS256"})", good.json()).replace(1, 1, "+"), "not base64url"},
      {"a space inside", hs256.substr(0, 5) + " " + hs256.substr(5), "header is not base64url"},
      {"Bearer left in front", "Bearer " + hs256, "header is not base64url"},
      {"header not JSON", b64url("not json") + "." + b64url(good.json()) + ".c2ln", "header is not a JSON object"},
      {"header a JSON array", b64url(R"(["HS256"])") + "." + b64url(good.json()) + ".c2ln", "header is not a JSON object"},
      {"header with trailing content", hs256_token(kSecret, R"({"alg":"HS256"}x)", good.json()), "header is not a JSON object"},
      {"claims not JSON (signed)", hs256_token(kSecret, jws_header("HS256"), "not json"), "claims are not a JSON object"},
      {"claims a JSON string (signed)", hs256_token(kSecret, jws_header("HS256"), "\"01012345678\""), "claims are not a JSON object"},
      {"claims truncated JSON (signed)", hs256_token(kSecret, jws_header("HS256"), good.json().substr(0, 20)), "claims are not a JSON object"},
      {"a token of 8193 bytes", nine_kib, "longer than 8192 bytes"},
      {"a token of 1 MiB", std::string(1 << 20, 'a'), "longer than 8192 bytes"},
      {"a NUL byte", std::string("a\0b.c.d", 7), "not base64url"},
  };
}

// The description may go in a quoted-string of a WWW-Authenticate header.
bool safe_for_a_header(const std::string& description) {
  for (char c : description)
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  return !description.empty();
}

}  // namespace

TEST_CASE("bearer tokens are accepted or refused by algorithm, key, signature, claims and shape, as the table says") {
  StandardKeys keys;
  auto verifier = load_verifier(keys.options());
  for (const Case& c : cases()) {
    INFO("case: " << std::string(c.what));
    auto result = verifier->verify(c.token);
    if (!c.refusal) {
      CHECK_MESSAGE(result.has_value(), (result ? "" : result.error().description));
      continue;
    }
    if (result.has_value()) {
      FAIL_CHECK("accepted a token that must be refused");
      continue;
    }
    const std::string& description = result.error().description;
    CAPTURE(description);
    CHECK(description.find(c.refusal) != std::string::npos);
    CHECK(safe_for_a_header(description));
    // Nothing of the token comes back: neither whole nor any of its parts.
    std::size_t start = 0;
    while (start <= c.token.size()) {
      const auto end = std::min(c.token.find('.', start), c.token.size());
      if (end - start >= 8) CHECK(description.find(c.token.substr(start, end - start)) == std::string::npos);
      start = end + 1;
    }
  }
}

TEST_CASE("an accepted token gives its subject as written, its scopes in order, its jti and its expiry") {
  StandardKeys keys;
  auto verifier = load_verifier(keys.options());
  auto principal = verifier->verify(hs256_token(
      kSecret, jws_header("HS256"),
      Claims{.sub = "\"+0101234\"", .scope = "\" mailbox:admin  mailbox:send \"", .jti = "\"abc-1\""}.json()));
  REQUIRE(principal.has_value());
  CHECK(principal->subject == "+0101234");
  CHECK(principal->scopes == std::vector<std::string>{"mailbox:admin", "mailbox:send"});
  CHECK(principal->has_scope("mailbox:admin"));
  CHECK_FALSE(principal->has_scope("mailbox"));
  CHECK_FALSE(principal->has_scope("MAILBOX:ADMIN"));
  CHECK(principal->token_id == "abc-1");
  CHECK(principal->expires_at.time_since_epoch() == std::chrono::seconds(kNow + 600));
}

TEST_CASE("without an issuer or audience configured, iss and aud are not checked") {
  StandardKeys keys;
  auto options = keys.options();
  options.issuer.clear();
  options.audience.clear();
  auto verifier = load_verifier(options);
  CHECK(verifier->verify(hs256_token(kSecret, jws_header("HS256"), Claims{.iss = "", .aud = ""}.json())).has_value());
  CHECK(verifier->verify(hs256_token(kSecret, jws_header("HS256"), Claims{.iss = "\"x\"", .aud = "\"y\""}.json())).has_value());
}

TEST_CASE("an HS256 token signed with an RSA public key's PEM is refused when only public keys are configured") {
  TempDir dir;
  write_file(dir.sub("keys.pem"), public_pem(rsa_key_1()));
  auto options = fixed_clock_options();
  options.public_keys_file = dir.sub("keys.pem");
  auto verifier = load_verifier(options);
  const std::string pem = public_pem(rsa_key_1());
  const std::string kid = verifier->describe_keys().at(0).id;
  auto without_kid = verifier->verify(hs256_token(pem, jws_header("HS256"), Claims{}.json()));
  REQUIRE_FALSE(without_kid.has_value());
  CHECK(without_kid.error().description == "no HS256 key is configured");
  auto with_kid = verifier->verify(hs256_token(pem, jws_header("HS256", kid), Claims{}.json()));
  REQUIRE_FALSE(with_kid.has_value());
  CHECK(with_kid.error().description == "the token's algorithm HS256 is not its key's (RS256)");
  CHECK(verifier->verify(rs256_token(rsa_key_1(), jws_header("RS256", kid), Claims{}.json())).has_value());
}

TEST_CASE("with no key files there are no keys, and every token is refused") {
  auto verifier = load_verifier(fixed_clock_options());
  CHECK_FALSE(verifier->has_keys());
  auto result = verifier->verify(hs256_token(kSecret, jws_header("HS256"), Claims{}.json()));
  REQUIRE_FALSE(result.has_value());
  CHECK(result.error().description == "no keys are configured to verify tokens with");
  StandardKeys keys;
  CHECK(load_verifier(keys.options())->has_keys());
}

TEST_CASE("a token that expires in the far future (exp 9999999999, 1e300) is accepted and remembered, its expiry capped at 9e9") {
  StandardKeys keys;
  auto verifier = load_verifier(keys.options());
  for (const std::string exp : {"9999999999", "1e300"}) {
    CAPTURE(exp);
    const std::string token = hs256_token(kSecret, jws_header("HS256"), Claims{.exp = exp, .jti = "\"" + exp + "\""}.json());
    const auto before = verifier->cache_stats();
    for (int i = 0; i < 2; ++i) {
      auto principal = verifier->verify(token);
      REQUIRE(principal.has_value());
      CHECK(principal->expires_at.time_since_epoch() == std::chrono::seconds(9'000'000'000));
    }
    CHECK(verifier->cache_stats().hits == before.hits + 1);  // the second from the cache
  }
}
