#include <doctest/doctest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "server/auth/base64url.h"
#include "tests/auth/auth_fixture.h"
#include "tests/support/process.h"

using namespace mailbox::testing;
namespace auth = mailbox::server::auth;

namespace {

ProcessResult mint(const std::vector<std::string>& args) { return run_process(MAILBOX_TOKEN_PATH, args); }

// The token mailbox-token printed, without its newline.
std::string minted(const std::vector<std::string>& args) {
  auto r = mint(args);
  INFO("stderr: " << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.err.empty());
  REQUIRE(r.out.size() > 1);
  REQUIRE(r.out.back() == '\n');
  REQUIRE(r.out.find('\n') == r.out.size() - 1);
  return r.out.substr(0, r.out.size() - 1);
}

// The JSON text of a token's part 0 (header) or 1 (claims).
std::string part(const std::string& token, int index) {
  std::size_t start = 0;
  for (int i = 0; i < index; ++i) start = token.find('.', start) + 1;
  auto decoded = auth::base64url_decode(token.substr(start, token.find('.', start) - start));
  REQUIRE(decoded.has_value());
  return *decoded;
}

std::int64_t number_claim(const std::string& json, const std::string& name) {
  const auto at = json.find("\"" + name + "\":");
  REQUIRE(at != std::string::npos);
  return std::strtoll(json.c_str() + at + name.size() + 3, nullptr, 10);
}

// A verifier on the system clock with the given files.
std::unique_ptr<auth::TokenVerifier> verifier_for(const std::string& secret_file, const std::string& public_keys_file) {
  auth::AuthOptions options;
  options.hs256_secret_file = secret_file;
  options.public_keys_file = public_keys_file;
  return load_verifier(options);
}

}  // namespace

TEST_CASE("mailbox-token mints an HS256 token that the verifier accepts, with the claims asked for") {
  TempDir dir;
  write_file(dir.sub("secret"), kSecret + "\n");
  const std::string token = minted({"--hs256-secret-file", dir.sub("secret"), "--sub", "+821012345678", "--scope",
                                    "mailbox:admin mailbox:send", "--jti", "id-7", "--iss", kIssuer, "--aud", kAudience});
  CHECK(part(token, 0) == R"({"alg":"HS256","typ":"JWT"})");
  auth::AuthOptions options;
  options.hs256_secret_file = dir.sub("secret");
  options.issuer = kIssuer;
  options.audience = kAudience;
  auto principal = load_verifier(options)->verify(token);
  REQUIRE_MESSAGE(principal.has_value(), (principal ? "" : principal.error().description));
  CHECK(principal->subject == "+821012345678");
  CHECK(principal->scopes == std::vector<std::string>{"mailbox:admin", "mailbox:send"});
  CHECK(principal->token_id == "id-7");
  // Signed with the secret less its newline, as the verifier reads it.
  CHECK(hs256_token(kSecret, part(token, 0), part(token, 1)) == token);
}

TEST_CASE("mailbox-token signs RS256 and ES256 with a PEM private key, its kid the thumbprint the verifier gives the public PEM") {
  for (EVP_PKEY* key : {rsa_key_1(), ec_key_1()}) {
    const bool rsa = EVP_PKEY_is_a(key, "RSA");
    CAPTURE(rsa);
    TempDir dir;
    write_file(dir.sub("private.pem"), private_pem(key));
    // Two keys of each kind, so that only the kid can pick the right one.
    write_file(dir.sub("public.pem"), public_pem(rsa_key_2()) + public_pem(key) + public_pem(ec_key_2()) +
                                          public_pem(rsa ? ec_key_1() : rsa_key_1()));
    auto verifier = verifier_for("", dir.sub("public.pem"));
    const std::string expected_kid = verifier->describe_keys().at(1).id;

    const std::string token = minted({"--private-key", dir.sub("private.pem"), "--sub", "01012345678"});
    CHECK(part(token, 0) == std::string(R"({"alg":")") + (rsa ? "RS256" : "ES256") +
                                R"(","typ":"JWT","kid":")" + expected_kid + "\"}");
    auto principal = verifier->verify(token);
    REQUIRE_MESSAGE(principal.has_value(), (principal ? "" : principal.error().description));
    CHECK(principal->subject == "01012345678");
    CHECK(principal->scopes.empty());

    const std::string named = minted({"--private-key", dir.sub("private.pem"), "--sub", "01012345678", "--kid", "k1"});
    CHECK(part(named, 0).find(R"("kid":"k1")") != std::string::npos);
  }
}

TEST_CASE("mailbox-token's expiry: --ttl 90s, 15m or 1h after now (1h by default), or --exp as given, even past") {
  TempDir dir;
  write_file(dir.sub("secret"), kSecret);
  const std::vector<std::string> base = {"--hs256-secret-file", dir.sub("secret"), "--sub", "01012345678"};
  auto lifetime = [&](std::vector<std::string> extra) {
    extra.insert(extra.begin(), base.begin(), base.end());
    const std::string claims = part(minted(extra), 1);
    return number_claim(claims, "exp") - number_claim(claims, "iat");
  };
  CHECK(lifetime({}) == 3600);
  CHECK(lifetime({"--ttl", "90s"}) == 90);
  CHECK(lifetime({"--ttl", "15m"}) == 900);
  CHECK(lifetime({"--ttl", "2h"}) == 7200);

  // --exp wins over --ttl, as given; the token's iat is the tool's own clock, read between
  // the two readings here (a second may turn between them).
  const std::int64_t before = unix_now();
  const std::int64_t exp = before - 3600;
  std::vector<std::string> past = base;
  past.insert(past.end(), {"--ttl", "1h", "--exp", std::to_string(exp)});
  const std::string expired = minted(past);
  const std::int64_t after = unix_now();
  CHECK(number_claim(part(expired, 1), "exp") == exp);
  CHECK(number_claim(part(expired, 1), "iat") >= before);
  CHECK(number_claim(part(expired, 1), "iat") <= after);
  auto refused = verifier_for(dir.sub("secret"), "")->verify(expired);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().description == "the token has expired");
}

TEST_CASE("mailbox-token's bad usage: one line on stderr, nothing on stdout, exit 2") {
  TempDir dir;
  write_file(dir.sub("secret"), kSecret);
  write_file(dir.sub("short"), "too short");
  write_file(dir.sub("public.pem"), public_pem(rsa_key_1()));
  write_file(dir.sub("weak.pem"), private_pem(generate_rsa_key(1024).get()));
  const std::string secret = dir.sub("secret");
  const std::vector<std::vector<std::string>> cases = {
      {"--sub", "01012345678"},
      {"--hs256-secret-file", secret, "--private-key", dir.sub("public.pem"), "--sub", "01012345678"},
      {"--hs256-secret-file", secret},
      {"--hs256-secret-file", secret, "--sub", "alice"},
      {"--hs256-secret-file", secret, "--sub", "01012345678", "--ttl", "10"},
      {"--hs256-secret-file", secret, "--sub", "01012345678", "--ttl", "0s"},
      {"--hs256-secret-file", secret, "--sub", "01012345678", "--ttl", "5d"},
      {"--hs256-secret-file", secret, "--sub", "01012345678", "--ttl", "-5m"},
      {"--hs256-secret-file", secret, "--sub", "01012345678", "--exp", "soon"},
      {"--hs256-secret-file", secret, "--sub", "01012345678", "--color"},
      {"--hs256-secret-file", secret, "--sub", "01012345678", "stray"},
      {"--hs256-secret-file", dir.sub("short"), "--sub", "01012345678"},
      {"--hs256-secret-file", dir.sub("missing"), "--sub", "01012345678"},
      {"--private-key", dir.sub("public.pem"), "--sub", "01012345678"},
      {"--private-key", dir.sub("weak.pem"), "--sub", "01012345678"},
  };
  for (const auto& args : cases) {
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    CAPTURE(shown);
    auto r = mint(args);
    CAPTURE(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.starts_with("mailbox-token: "));
    CHECK(r.err.find('\n') == r.err.size() - 1);
  }
}
