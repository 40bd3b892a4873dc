#pragma once
// A bounded map from stream name to its current version, for the writer's checks.
// Owned by the writer thread; not thread-safe.
//
// The writer asks it two or three times per append (a new stream per send, then the
// derived events of that stream), so it is laid out for few cache misses: the entries
// sit in one array, and an open-addressing index of (hash tag, entry) slots finds them,
// one slot read for most misses. Once full, an insert takes over the entry a clock hand
// points at, skipping (and clearing) those used since the hand last passed: a stream
// used again is kept over one that was not (CLOCK, an approximation of least recently
// used). The writer's steady state (a new stream per send) allocates nothing here once
// names fit the strings of the entries they take over.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailbox::eventstore {

class StreamHeadCache {
 public:
  explicit StreamHeadCache(std::size_t capacity);
  StreamHeadCache(const StreamHeadCache&) = delete;

  // The cached version, marking the entry as used.
  std::optional<std::uint64_t> get(std::string_view stream);
  // Inserts or updates (marking the entry as used); past capacity an insert evicts the
  // entry the clock hand stops at.
  void put(std::string_view stream, std::uint64_t version);
  void clear();
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string stream;
    std::uint64_t version = 0;
    std::uint64_t hash = 0;
    bool used = false;  // since the clock hand last passed
  };
  // A slot: 0 when empty, else the lower 32 bits of the entry's hash (its home slot is
  // in them, so moving slots needs no look at the entries) above its index + 1.
  using Slot = std::uint64_t;

  static std::uint64_t hash_of(std::string_view stream);
  // The slot holding stream, or the empty slot where it would go.
  std::size_t find_slot(std::string_view stream, std::uint64_t hash) const;
  // The slot of entry index (whose hash is hash), found without comparing names.
  std::size_t slot_of_entry(std::size_t index, std::uint64_t hash) const;
  // Empties slot i, moving later slots of the same run back so that lookups still
  // reach them (backward-shift deletion).
  void erase_slot(std::size_t i);
  std::size_t entry_of(Slot s) const { return static_cast<std::size_t>(s & 0xffffffffu) - 1; }

  std::size_t capacity_;
  std::vector<Entry> entries_;  // at most capacity_
  std::vector<Slot> slots_;     // a power of two, at least twice capacity_
  std::size_t mask_;
  std::size_t hand_ = 0;  // the clock hand: the next entry eviction looks at
};

}  // namespace mailbox::eventstore
