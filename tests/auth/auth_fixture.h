#pragma once
// What the auth tests share: claims written field by field, and a verifier over key
// files written to a temporary folder (HS256 secret, and a JWKS of two RSA keys and
// one P-256 key), checking at a fixed time.

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "server/auth/token_verifier.h"
#include "tests/support/temp_dir.h"
#include "tests/support/token_maker.h"

namespace mailbox::testing {

// The time every fixed-clock verifier checks tokens at.
inline constexpr std::int64_t kNow = 1'800'000'000;

inline const std::string kSecret = "0123456789abcdef0123456789abcdef-hs256";  // 38 bytes
inline const std::string kIssuer = "https://issuer.test";
inline const std::string kAudience = "mailbox";

// Claims as raw JSON values; an empty one is left out. extra is spliced in as more
// members.
struct Claims {
  std::string sub = "\"01012345678\"";
  std::string exp = std::to_string(kNow + 600);
  std::string nbf;
  std::string iss = "\"" + kIssuer + "\"";
  std::string aud = "\"" + kAudience + "\"";
  std::string scope = "\"mailbox:send mailbox:read\"";
  std::string jti = "\"token-1\"";
  std::string extra;

  std::string json() const {
    std::string out;
    auto add = [&](const char* name, const std::string& value) {
      if (value.empty()) return;
      out += (out.empty() ? "" : ",") + std::string("\"") + name + "\":" + value;
    };
    add("sub", sub);
    add("exp", exp);
    add("nbf", nbf);
    add("iss", iss);
    add("aud", aud);
    add("scope", scope);
    add("jti", jti);
    if (!extra.empty()) out += (out.empty() ? "" : ",") + extra;
    return "{" + out + "}";
  }
};

inline server::auth::AuthOptions fixed_clock_options() {
  server::auth::AuthOptions options;
  options.issuer = kIssuer;
  options.audience = kAudience;
  options.clock = [] { return std::chrono::system_clock::time_point(std::chrono::seconds(kNow)); };
  return options;
}

inline std::unique_ptr<server::auth::TokenVerifier> load_verifier(server::auth::AuthOptions options) {
  auto verifier = server::auth::TokenVerifier::load(std::move(options));
  REQUIRE_MESSAGE(verifier.has_value(), (verifier ? "" : verifier.error().message));
  return std::move(*verifier);
}

// The HS256 secret (id "hs256") and a JWKS with "rsa-1", "rsa-2" and "ec-1".
struct StandardKeys {
  TempDir dir;
  std::string secret_file = dir.sub("secret");
  std::string jwks_file = dir.sub("jwks.json");

  StandardKeys() {
    write_file(secret_file, kSecret + "\n");
    write_file(jwks_file, jwks({public_jwk(rsa_key_1(), "rsa-1"), public_jwk(rsa_key_2(), "rsa-2"),
                                public_jwk(ec_key_1(), "ec-1")}));
  }

  server::auth::AuthOptions options() const {
    auto options = fixed_clock_options();
    options.hs256_secret_file = secret_file;
    options.public_keys_file = jwks_file;
    return options;
  }
};

}  // namespace mailbox::testing
