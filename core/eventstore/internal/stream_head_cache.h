#pragma once
// A bounded, least-recently-used map from stream name to its current version.
// Owned by the writer thread; not thread-safe.
//
// Each stream name is stored once, in its list entry; the index's keys view it. Once
// full, an insert takes over the least recently used entry and its index node, so the
// writer's steady state (a new stream per send) allocates nothing here.

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
  StreamHeadCache(const StreamHeadCache&) = delete;  // the index views the entries

  // The cached version, marking the entry as recently used.
  std::optional<std::uint64_t> get(std::string_view stream);
  // Inserts or updates; evicts the least recently used entry past capacity.
  void put(std::string_view stream, std::uint64_t version);
  void clear();
  std::size_t size() const { return index_.size(); }

 private:
  struct Entry {
    std::string stream;
    std::uint64_t version;
  };
  using Order = std::list<Entry>;  // front: most recently used
  struct Hash {
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::size_t capacity_;
  Order order_;
  std::unordered_map<std::string_view, Order::iterator, Hash> index_;  // keys view Entry::stream
};

}  // namespace mailbox::eventstore
