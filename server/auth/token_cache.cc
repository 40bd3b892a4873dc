#include "server/auth/token_cache.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <cstring>

namespace mailbox::server::auth {

std::size_t TokenCache::DigestHash::operator()(const Digest& d) const {
  std::size_t h = 0;  // the digest is uniform already: any 8 of its bytes will do
  std::memcpy(&h, d.data(), sizeof h);
  return h;
}

TokenCache::Digest TokenCache::digest_of(std::string_view token) {
  Digest digest{};
  unsigned int length = 0;
  if (EVP_Digest(token.data(), token.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length != digest.size())
    std::abort();  // SHA-256 in the default provider does not fail
  return digest;
}

TokenCache::TokenCache(std::size_t capacity) : capacity_(capacity) {}

std::optional<Principal> TokenCache::find(std::string_view token, std::chrono::system_clock::time_point now) {
  if (capacity_ == 0) return std::nullopt;
  const Digest digest = digest_of(token);
  std::lock_guard lock(mutex_);
  auto it = index_.find(digest);
  if (it == index_.end()) {
    ++misses_;
    return std::nullopt;
  }
  if (now >= it->second->valid_until) {
    entries_.erase(it->second);
    index_.erase(it);
    ++misses_;
    return std::nullopt;
  }
  entries_.splice(entries_.begin(), entries_, it->second);
  ++hits_;
  return it->second->principal;
}

void TokenCache::insert(std::string_view token, const Principal& principal,
                        std::chrono::system_clock::time_point valid_until) {
  if (capacity_ == 0) return;
  const Digest digest = digest_of(token);
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(digest); it != index_.end()) {
    it->second->principal = principal;
    it->second->valid_until = valid_until;
    entries_.splice(entries_.begin(), entries_, it->second);
    return;
  }
  if (entries_.size() >= capacity_) {
    index_.erase(entries_.back().digest);
    entries_.pop_back();
  }
  entries_.push_front(Entry{digest, principal, valid_until});
  index_.emplace(digest, entries_.begin());
}

CacheStats TokenCache::stats() const {
  std::lock_guard lock(mutex_);
  return CacheStats{entries_.size(), hits_, misses_};
}

}  // namespace mailbox::server::auth
