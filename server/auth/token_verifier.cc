#include "server/auth/token_verifier.h"

#include "server/auth/claims.h"
#include "server/auth/compact_jws.h"
#include "server/auth/key_set.h"

namespace mailbox::server::auth {

struct TokenVerifier::Generation {
  Generation(KeySet k, std::size_t cache_entries) : keys(std::move(k)), cache(cache_entries) {}
  const KeySet keys;
  mutable TokenCache cache;
};

app::Result<std::unique_ptr<TokenVerifier>> TokenVerifier::load(AuthOptions options) {
  auto keys = KeySet::load(options.hs256_secret_file, options.public_keys_file);
  if (!keys) return std::unexpected(keys.error());
  auto first = std::make_shared<const Generation>(std::move(*keys), options.cache_entries);
  return std::unique_ptr<TokenVerifier>(new TokenVerifier(std::move(options), std::move(first)));
}

TokenVerifier::TokenVerifier(AuthOptions options, std::shared_ptr<const Generation> first)
    : options_(std::move(options)), current_(std::move(first)) {}

std::shared_ptr<const TokenVerifier::Generation> TokenVerifier::current() const {
  std::lock_guard lock(current_mutex_);
  return current_;
}

std::chrono::system_clock::time_point TokenVerifier::now() const {
  return options_.clock ? options_.clock() : std::chrono::system_clock::now();
}

std::expected<Principal, TokenError> TokenVerifier::verify(std::string_view compact_jws) const {
  const auto generation = current();
  if (generation->keys.empty()) return std::unexpected(TokenError{"no keys are configured to verify tokens with"});
  if (compact_jws.size() > kMaxTokenBytes)  // before hashing it for the cache
    return std::unexpected(TokenError{"the token is longer than " + std::to_string(kMaxTokenBytes) + " bytes"});
  const auto time = now();
  if (auto cached = generation->cache.find(compact_jws, time)) return *cached;

  auto parts = split_compact_jws(compact_jws);
  if (!parts) return std::unexpected(parts.error());
  auto header = parse_jose_header(parts->header);
  if (!header) return std::unexpected(header.error());
  auto key = generation->keys.select(header->algorithm, header->key_id);
  if (!key) return std::unexpected(key.error());
  if (!(*key)->verify(parts->signing_input, parts->signature))
    return std::unexpected(TokenError{"the token's signature does not verify"});
  auto principal = check_claims(parts->payload, options_, time);
  if (!principal) return principal;
  generation->cache.insert(compact_jws, *principal, principal->expires_at + options_.leeway);
  return principal;
}

app::Status TokenVerifier::reload() {
  std::lock_guard reloading(reload_mutex_);
  auto keys = KeySet::load(options_.hs256_secret_file, options_.public_keys_file);
  if (!keys) return std::unexpected(keys.error());
  std::shared_ptr<const Generation> next = std::make_shared<const Generation>(std::move(*keys), options_.cache_entries);
  {
    std::lock_guard lock(current_mutex_);
    current_.swap(next);
  }
  return {};  // next, now the old generation, is freed here (or by the last verify using it), outside the lock
}

bool TokenVerifier::has_keys() const { return !current()->keys.empty(); }

std::vector<KeyDescription> TokenVerifier::describe_keys() const {
  std::vector<KeyDescription> out;
  for (const Key& key : current()->keys.keys()) out.push_back({key.id, std::string(algorithm_name(key.algorithm))});
  return out;
}

CacheStats TokenVerifier::cache_stats() const { return current()->cache.stats(); }

}  // namespace mailbox::server::auth
