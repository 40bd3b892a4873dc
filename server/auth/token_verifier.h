#pragma once
// Verifying bearer tokens (JWTs, RFC 7519, signed as JWS compact serializations) with
// keys read from files; what the server asks of this module.

#include <expected>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "app/status.h"
#include "server/auth/auth_options.h"
#include "server/auth/principal.h"
#include "server/auth/token_cache.h"
#include "server/auth/token_error.h"

namespace mailbox::server::auth {

// A key in use, for logs: its id and its algorithm's name.
struct KeyDescription {
  std::string id;
  std::string algorithm;
};

// Checks tokens against the configured keys and claim rules, and remembers the ones it
// accepted (see TokenCache) until they expire or the keys are reloaded.
//
// Thread-safe: any number of threads may call verify, has_keys, describe_keys and
// cache_stats at once, and reload from any thread meanwhile. A verify overlapping a
// reload uses either the old keys or the new ones throughout, never a mix, and what
// it verified with old keys is not remembered after the reload.
class TokenVerifier {
 public:
  // A verifier with the keys of options' files (see key_files.h for what they may hold).
  // With neither file set it has no keys (has_keys() is false) and refuses every
  // token. Refused (invalid_argument; the message names the file and what is wrong
  // with it, and never holds a secret) when a file is refused, or two keys share an id.
  static app::Result<std::unique_ptr<TokenVerifier>> load(AuthOptions options);

  // The principal of compact_jws (the token, without "Bearer "), or why it is refused.
  // In order: its size (at most 8 KiB) and shape; its header's alg ("none" is always
  // refused) and the key that alg and kid pick (KeySet::select: the key must be of
  // that algorithm, checked before the signature); the signature (by OpenSSL);
  // then the claims (see claims.h). A token accepted before, byte for byte, with the
  // same keys, is answered from the cache while it has not expired.
  // Each TokenError's description is safe to send back (see token_error.h).
  std::expected<Principal, TokenError> verify(std::string_view compact_jws) const;

  // Reads the key files again (e.g. on SIGHUP) and, if they are accepted, uses the new
  // keys from then on, with an empty cache, even if the keys did not change. When they
  // are refused, returns the error (as load's) and keeps the old keys and cache.
  // Concurrent reloads run one at a time.
  app::Status reload();

  // Whether any key is configured. Without one every token is refused.
  bool has_keys() const;

  // The ids and algorithms of the keys in use, for logs.
  std::vector<KeyDescription> describe_keys() const;

  // The cache of the keys in use (emptied by each successful reload).
  CacheStats cache_stats() const;

 private:
  // The keys in use and what was verified with them: replaced as a whole by reload.
  struct Generation;

  TokenVerifier(AuthOptions options, std::shared_ptr<const Generation> first);
  std::shared_ptr<const Generation> current() const;
  std::chrono::system_clock::time_point now() const;

  const AuthOptions options_;
  std::mutex reload_mutex_;  // held through a reload, so that reloads run one at a time
  mutable std::mutex current_mutex_;
  std::shared_ptr<const Generation> current_;  // guarded by current_mutex_ (the pointer; what it points to is thread-safe)
};

}  // namespace mailbox::server::auth
