#pragma once
// A bounded, least-recently-used map from stream name to its current version.
// Owned by the writer thread; not thread-safe.

#include <cstddef>
#include <cstdint>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace mailbox::eventstore {

class StreamHeadCache {
 public:
  explicit StreamHeadCache(std::size_t capacity);

  // The cached version, marking the entry as recently used.
  std::optional<std::uint64_t> get(std::string_view stream);
  // Inserts or updates; evicts the least recently used entry past capacity.
  void put(std::string_view stream, std::uint64_t version);
  void clear();
  std::size_t size() const { return map_.size(); }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Entry {
    std::uint64_t version;
    std::list<std::string>::iterator order;
  };
  std::size_t capacity_;
  std::list<std::string> order_;  // front: most recently used
  std::unordered_map<std::string, Entry, Hash, std::equal_to<>> map_;
};

}  // namespace mailbox::eventstore
