#include <doctest/doctest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "tests/auth/auth_fixture.h"

using namespace mailbox::testing;

TEST_CASE("reload switches keys: tokens of the old keys stop verifying, even cached ones, and the new ones start") {
  TempDir dir;
  auto options = fixed_clock_options();
  options.hs256_secret_file = dir.sub("secret");
  options.public_keys_file = dir.sub("jwks.json");
  const std::string new_secret = "a new secret of at least thirty-two bytes";
  write_file(options.hs256_secret_file, kSecret);
  write_file(options.public_keys_file, jwks({public_jwk(rsa_key_1(), "signing")}));
  auto verifier = load_verifier(options);

  const std::string old_rs256 = rs256_token(rsa_key_1(), jws_header("RS256", "signing"), Claims{}.json());
  const std::string new_rs256 = rs256_token(rsa_key_2(), jws_header("RS256", "signing"), Claims{}.json());
  const std::string old_hs256 = hs256_token(kSecret, jws_header("HS256"), Claims{}.json());
  const std::string new_hs256 = hs256_token(new_secret, jws_header("HS256"), Claims{}.json());
  REQUIRE(verifier->verify(old_rs256).has_value());
  REQUIRE(verifier->verify(old_hs256).has_value());
  REQUIRE(verifier->verify(old_rs256).has_value());  // now from the cache
  CHECK(verifier->cache_stats().hits == 1);
  CHECK_FALSE(verifier->verify(new_rs256).has_value());
  CHECK_FALSE(verifier->verify(new_hs256).has_value());

  // The same kid, another key: only a cache emptied by the reload lets this fail.
  write_file(options.public_keys_file, jwks({public_jwk(rsa_key_2(), "signing")}));
  write_file(options.hs256_secret_file, new_secret + "\n");
  REQUIRE(verifier->reload().has_value());
  CHECK(verifier->cache_stats().entries == 0);
  CHECK(verifier->cache_stats().hits == 0);
  auto old_refused = verifier->verify(old_rs256);
  REQUIRE_FALSE(old_refused.has_value());
  CHECK(old_refused.error().description == "the token's signature does not verify");
  CHECK_FALSE(verifier->verify(old_hs256).has_value());
  CHECK(verifier->verify(new_rs256).has_value());
  CHECK(verifier->verify(new_hs256).has_value());
}

TEST_CASE("reload empties the cache even when the keys did not change") {
  StandardKeys keys;
  auto verifier = load_verifier(keys.options());
  REQUIRE(verifier->verify(hs256_token(kSecret, jws_header("HS256"), Claims{}.json())).has_value());
  CHECK(verifier->cache_stats().entries == 1);
  REQUIRE(verifier->reload().has_value());
  CHECK(verifier->cache_stats().entries == 0);
}

TEST_CASE("a reload that fails keeps the old keys and the cache, and says which file is wrong") {
  StandardKeys keys;
  auto verifier = load_verifier(keys.options());
  const std::string token = rs256_token(rsa_key_1(), jws_header("RS256", "rsa-1"), Claims{}.json());
  REQUIRE(verifier->verify(token).has_value());

  write_file(keys.jwks_file, R"({"keys":[{"kty":"RSA","kid":"rsa-1"}]})");
  auto bad_jwks = verifier->reload();
  REQUIRE_FALSE(bad_jwks.has_value());
  CHECK(bad_jwks.error().message.find(keys.jwks_file + ": ") == 0);

  write_file(keys.jwks_file, jwks({public_jwk(rsa_key_1(), "rsa-1")}));
  write_file(keys.secret_file, "short");
  auto bad_secret = verifier->reload();
  REQUIRE_FALSE(bad_secret.has_value());
  CHECK(bad_secret.error().message.find(keys.secret_file + ": ") == 0);

  CHECK(verifier->cache_stats().entries == 1);
  CHECK(verifier->verify(token).has_value());
  CHECK(verifier->cache_stats().hits == 1);
  CHECK(verifier->verify(es256_token(ec_key_1(), jws_header("ES256", "ec-1"), Claims{}.json())).has_value());
  CHECK(verifier->verify(hs256_token(kSecret, jws_header("HS256"), Claims{}.json())).has_value());
}

TEST_CASE("verifying from several threads while keys are reloaded gives every valid token its principal") {
  StandardKeys keys;
  auto options = keys.options();
  options.cache_entries = 8;  // small, so that threads also insert and evict
  auto verifier = load_verifier(options);
  std::vector<std::string> tokens;
  for (int i = 0; i < 16; ++i) {
    const Claims claims{.sub = "\"0101234" + std::to_string(1000 + i) + "\""};
    tokens.push_back(i % 3 == 0   ? hs256_token(kSecret, jws_header("HS256"), claims.json())
                     : i % 3 == 1 ? rs256_token(rsa_key_1(), jws_header("RS256", "rsa-1"), claims.json())
                                  : es256_token(ec_key_1(), jws_header("ES256", "ec-1"), claims.json()));
  }
  std::atomic<int> failures{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t)
    threads.emplace_back([&, t] {
      for (std::size_t i = static_cast<std::size_t>(t); !stop; i = (i + 1) % tokens.size()) {
        auto principal = verifier->verify(tokens[i]);
        if (!principal || principal->subject != "0101234" + std::to_string(1000 + i)) ++failures;
      }
    });
  int reloads = 0;
  for (int i = 0; i < 30; ++i) reloads += verifier->reload().has_value() ? 1 : 0;
  stop = true;
  for (auto& thread : threads) thread.join();
  CHECK(reloads == 30);
  CHECK(failures == 0);
}
