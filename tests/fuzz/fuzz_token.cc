// A bearer token through parsing and verification, as the server's Authenticator
// checks it: against an HS256 secret and a JWKS of an RSA and a P-256 key ("rsa-1",
// "ec-1"), with an issuer and an audience required, at a fixed time.
// The first byte picks what the rest is: 0, the token as sent; 1 and 2, a header and
// claims (JSON, split at the first NUL byte; without one, all claims under a plain
// header) that are signed here, with the HS256 secret or the P-256 key, so that the
// claims are read too. A refusal's description must fit in a quoted-string, and an
// accepted token's subject must be a phone number.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "app/commands/validation.h"
#include "server/auth/bearer_authenticator.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/support/temp_dir.h"
#include "tests/support/token_maker.h"

using namespace mailbox;

namespace {

const std::string kSecret = "0123456789abcdef0123456789abcdef-hs256";

struct Keys {
  testing::TempDir dir;
  server::auth::AuthOptions options;
  std::unique_ptr<server::auth::BearerAuthenticator> authenticator;

  Keys() {
    options.hs256_secret_file = dir.sub("secret");
    options.public_keys_file = dir.sub("jwks.json");
    options.issuer = "https://issuer.test";
    options.audience = "mailbox";
    options.cache_entries = 64;
    options.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(1'800'000'000)); };
    testing::write_file(options.hs256_secret_file, kSecret + "\n");
    testing::write_file(options.public_keys_file, testing::jwks({testing::public_jwk(testing::rsa_key_1(), "rsa-1"),
                                                                 testing::public_jwk(testing::ec_key_1(), "ec-1")}));
    auto verifier = server::auth::TokenVerifier::load(options);
    if (!verifier) fuzz::fail("the verifier's keys are refused: " + verifier.error().message);
    authenticator = std::make_unique<server::auth::BearerAuthenticator>(std::move(*verifier));
  }
};

std::string signed_token(int how, std::string_view rest) {
  const auto nul = rest.find('\0');
  const bool hs256 = how == 1;
  const std::string header = nul == std::string_view::npos ? testing::jws_header(hs256 ? "HS256" : "ES256", hs256 ? "" : "ec-1")
                                                           : std::string(rest.substr(0, nul));
  const std::string_view claims = nul == std::string_view::npos ? rest : rest.substr(nul + 1);
  return hs256 ? testing::hs256_token(kSecret, header, claims) : testing::es256_token(testing::ec_key_1(), header, claims);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Keys keys;
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const int how = data[0] % 3;
  const std::string token = how == 0 ? std::string(rest) : signed_token(how, rest);

  auto identity = keys.authenticator->verify(token);
  if (!identity) {
    for (char c : identity.error())
      fuzz::check(c >= 0x20 && c < 0x7f && c != '"' && c != '\\', "a refusal's description does not fit a quoted-string");
    return 0;
  }
  fuzz::check(commands::validate_phone("sub", identity->subject).has_value(), "a token's subject is not a phone number");
  for (const auto& scope : identity->scopes)
    fuzz::check(!scope.empty() && scope.find(' ') == std::string::npos, "a scope is empty or holds a space");
  return 0;
}
