#pragma once
// The keys tokens are verified with, and the rule that picks a token's key.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/status.h"
#include "server/auth/algorithm.h"
#include "server/auth/key.h"
#include "server/auth/token_error.h"

namespace mailbox::server::auth {

// An immutable set of keys with distinct ids. Thread-safe once built: any number of
// threads may select and verify at once.
class KeySet {
 public:
  KeySet() = default;  // no keys
  KeySet(KeySet&&) = default;
  KeySet& operator=(KeySet&&) = default;

  // The keys of the files (see key_files.h); an empty path reads nothing. Refused
  // (invalid_argument, naming the file) when a file is refused, or two keys share an
  // id (the HS256 key's id is "hs256").
  static app::Result<KeySet> load(const std::string& hs256_secret_file, const std::string& public_keys_file);

  // The keys given; refused when two share an id.
  static app::Result<KeySet> of(std::vector<Key> keys);

  // The key to check a token with, whose header says alg, and kid when it has one:
  //  - with a kid, the key of that id, refused when its algorithm is not alg;
  //  - without, the only key of algorithm alg (none or more than one: refused).
  // The key is checked against alg here, before any signature is looked at, so that a
  // key is never used with another algorithm than its own.
  std::expected<const Key*, TokenError> select(Algorithm alg, std::optional<std::string_view> kid) const;

  bool empty() const { return keys_.empty(); }
  const std::vector<Key>& keys() const { return keys_; }

 private:
  std::vector<Key> keys_;
};

}  // namespace mailbox::server::auth
