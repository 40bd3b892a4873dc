#include "server/auth/key_set.h"

#include <algorithm>

#include "server/auth/key_files.h"

namespace mailbox::server::auth {

app::Result<KeySet> KeySet::load(const std::string& hs256_secret_file, const std::string& public_keys_file) {
  std::vector<Key> keys;
  if (!hs256_secret_file.empty()) {
    auto key = read_hs256_key(hs256_secret_file);
    if (!key) return std::unexpected(key.error());
    keys.push_back(std::move(*key));
  }
  if (!public_keys_file.empty()) {
    auto public_keys = read_public_keys(public_keys_file);
    if (!public_keys) return std::unexpected(public_keys.error());
    for (Key& key : *public_keys) {
      if (key.id == kHs256KeyId && !hs256_secret_file.empty())
        return app::fail(app::Code::invalid_argument,
                         public_keys_file + ": a key has the id \"hs256\", which the HS256 secret has");
      keys.push_back(std::move(key));
    }
  }
  auto set = of(std::move(keys));
  if (!set) return app::fail(app::Code::invalid_argument, public_keys_file + ": " + set.error().message);
  return set;
}

app::Result<KeySet> KeySet::of(std::vector<Key> keys) {
  for (std::size_t i = 0; i < keys.size(); ++i)
    for (std::size_t j = i + 1; j < keys.size(); ++j)
      if (keys[i].id == keys[j].id)
        return app::fail(app::Code::invalid_argument, "two keys have the id \"" + keys[i].id + "\"");
  KeySet set;
  set.keys_ = std::move(keys);
  return set;
}

std::expected<const Key*, TokenError> KeySet::select(Algorithm alg, std::optional<std::string_view> kid) const {
  const std::string name(algorithm_name(alg));
  if (kid) {
    auto it = std::find_if(keys_.begin(), keys_.end(), [&](const Key& key) { return key.id == *kid; });
    if (it == keys_.end()) return std::unexpected(TokenError{"the token's key id (kid) names no known key"});
    if (it->algorithm != alg)
      return std::unexpected(TokenError{"the token's algorithm " + name + " is not its key's (" +
                                        std::string(algorithm_name(it->algorithm)) + ")"});
    return &*it;
  }
  const Key* found = nullptr;
  for (const Key& key : keys_) {
    if (key.algorithm != alg) continue;
    if (found) return std::unexpected(TokenError{"the token has no key id (kid), and more than one " + name +
                                                 " key is configured"});
    found = &key;
  }
  if (!found) return std::unexpected(TokenError{"no " + name + " key is configured"});
  return found;
}

}  // namespace mailbox::server::auth
