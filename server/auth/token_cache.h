#pragma once
// Tokens verified before, so that a client sending the same token on every request
// costs one hash and a lookup instead of a signature check.

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "server/auth/principal.h"

namespace mailbox::server::auth {

struct CacheStats {
  std::size_t entries = 0;
  std::uint64_t hits = 0;
  std::uint64_t misses = 0;
};

// A bounded map from a token to its principal, least recently used first out. Entries
// are keyed by the SHA-256 of the whole token, every byte of it, so a token that differs
// from a cached one anywhere (its signature included) is not found; the cache holds no
// token, only its hash (32 bytes an entry whatever the token's size).
//
// Thread-safe: every call takes mutex_, held for a hash-map lookup and a list splice.
class TokenCache {
 public:
  // Holds at most capacity entries; 0 holds none.
  explicit TokenCache(std::size_t capacity);

  // The principal remembered for token, if it is there and now is before its
  // valid_until; an entry found past it is dropped.
  std::optional<Principal> find(std::string_view token, std::chrono::system_clock::time_point now);

  // Remembers principal for token until valid_until (the token's exp plus the leeway),
  // dropping the least recently used entry when full.
  void insert(std::string_view token, const Principal& principal, std::chrono::system_clock::time_point valid_until);

  CacheStats stats() const;

 private:
  using Digest = std::array<unsigned char, 32>;
  struct DigestHash {
    std::size_t operator()(const Digest& d) const;
  };
  struct Entry {
    Digest digest;
    Principal principal;
    std::chrono::system_clock::time_point valid_until;
  };
  static Digest digest_of(std::string_view token);

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  // Guarded by mutex_: entries, most recently used first, and an index of them.
  std::list<Entry> entries_;
  std::unordered_map<Digest, std::list<Entry>::iterator, DigestHash> index_;
  std::uint64_t hits_ = 0;
  std::uint64_t misses_ = 0;
};

}  // namespace mailbox::server::auth
