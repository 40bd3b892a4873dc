#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "server/auth/token_cache.h"
#include "tests/auth/auth_fixture.h"

using namespace mailbox::testing;
namespace auth = mailbox::server::auth;

namespace {

std::string token_for(const std::string& sub, std::int64_t exp = kNow + 600) {
  return hs256_token(kSecret, jws_header("HS256"), Claims{.sub = "\"" + sub + "\"", .exp = std::to_string(exp)}.json());
}

// A verifier over StandardKeys whose clock the test moves.
struct MovableClock {
  std::shared_ptr<std::atomic<std::int64_t>> now = std::make_shared<std::atomic<std::int64_t>>(kNow);
  auth::AuthOptions apply(auth::AuthOptions options) const {
    options.clock = [now = now] { return std::chrono::system_clock::time_point(std::chrono::seconds(now->load())); };
    return options;
  }
};

}  // namespace

TEST_CASE("a token verified once is answered from the cache the next time") {
  StandardKeys keys;
  auto verifier = load_verifier(keys.options());
  const std::string token = token_for("01011112222");
  REQUIRE(verifier->verify(token).has_value());
  CHECK(verifier->cache_stats().entries == 1);
  CHECK(verifier->cache_stats().hits == 0);
  auto again = verifier->verify(token);
  REQUIRE(again.has_value());
  CHECK(again->subject == "01011112222");
  CHECK(verifier->cache_stats().hits == 1);
}

TEST_CASE("the cache is keyed by the whole token: a cached token with its signature changed is refused") {
  StandardKeys keys;
  auto verifier = load_verifier(keys.options());
  const std::string token = token_for("01011112222");
  REQUIRE(verifier->verify(token).has_value());
  std::string tampered = token;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  CHECK_FALSE(verifier->verify(tampered).has_value());
  CHECK_FALSE(verifier->verify(token.substr(0, token.size() - 4)).has_value());
  CHECK(verifier->cache_stats().hits == 0);
}

TEST_CASE("refused tokens are not cached") {
  StandardKeys keys;
  auto verifier = load_verifier(keys.options());
  CHECK_FALSE(verifier->verify(token_for("alice")).has_value());
  CHECK_FALSE(verifier->verify(hs256_token("another secret of 32 bytes or more!", jws_header("HS256"), Claims{}.json())).has_value());
  CHECK(verifier->cache_stats().entries == 0);
}

TEST_CASE("the cache holds at most cache_entries tokens, dropping the least recently used") {
  StandardKeys keys;
  auto options = keys.options();
  options.cache_entries = 3;
  auto verifier = load_verifier(options);
  std::vector<std::string> tokens;
  for (int i = 0; i < 5; ++i) tokens.push_back(token_for("0101000000" + std::to_string(i)));
  for (const auto& token : tokens) REQUIRE(verifier->verify(token).has_value());
  CHECK(verifier->cache_stats().entries == 3);
  // Tokens 2, 3, 4 are held. Using 2 makes 3 the least recently used.
  REQUIRE(verifier->verify(tokens[2]).has_value());
  CHECK(verifier->cache_stats().hits == 1);
  REQUIRE(verifier->verify(tokens[0]).has_value());  // a miss; evicts 3
  CHECK(verifier->cache_stats().hits == 1);
  REQUIRE(verifier->verify(tokens[2]).has_value());
  REQUIRE(verifier->verify(tokens[4]).has_value());
  CHECK(verifier->cache_stats().hits == 3);
  REQUIRE(verifier->verify(tokens[3]).has_value());  // evicted: verified again
  CHECK(verifier->cache_stats().hits == 3);
  CHECK(verifier->cache_stats().entries == 3);
}

TEST_CASE("with cache_entries 0 nothing is cached") {
  StandardKeys keys;
  auto options = keys.options();
  options.cache_entries = 0;
  auto verifier = load_verifier(options);
  const std::string token = token_for("01011112222");
  REQUIRE(verifier->verify(token).has_value());
  REQUIRE(verifier->verify(token).has_value());
  CHECK(verifier->cache_stats().entries == 0);
  CHECK(verifier->cache_stats().hits == 0);
}

TEST_CASE("a cached token is refused once its exp and the leeway have passed") {
  StandardKeys keys;
  MovableClock clock;
  auto verifier = load_verifier(clock.apply(keys.options()));
  const std::string token = token_for("01011112222", kNow + 100);
  REQUIRE(verifier->verify(token).has_value());
  *clock.now = kNow + 159;  // exp + leeway - 1
  REQUIRE(verifier->verify(token).has_value());
  CHECK(verifier->cache_stats().hits == 1);
  *clock.now = kNow + 160;  // exp + leeway
  auto late = verifier->verify(token);
  REQUIRE_FALSE(late.has_value());
  CHECK(late.error().description == "the token has expired");
  CHECK(verifier->cache_stats().hits == 1);
  CHECK(verifier->cache_stats().entries == 0);
}

TEST_CASE("TokenCache forgets an entry past its time, and keeps the most recently used") {
  auth::TokenCache cache(2);
  const auto t = [](std::int64_t s) { return std::chrono::system_clock::time_point(std::chrono::seconds(s)); };
  auth::Principal p;
  p.subject = "0101";
  cache.insert("a", p, t(100));
  cache.insert("b", p, t(200));
  CHECK(cache.find("a", t(99)).has_value());
  CHECK_FALSE(cache.find("a", t(100)).has_value());
  CHECK(cache.stats().entries == 1);
  cache.insert("c", p, t(300));
  cache.insert("d", p, t(300));  // full: b goes, c was used after it
  CHECK_FALSE(cache.find("b", t(0)).has_value());
  CHECK(cache.find("c", t(0)).has_value());
  CHECK(cache.find("d", t(0)).has_value());
}
