#include "core/eventstore/internal/stream_head_cache.h"

#include <algorithm>
#include <functional>

namespace mailbox::eventstore {

namespace {

// Entries are indexed by 32 bits in a slot; far more than any writer keeps.
constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;

std::size_t slot_count(std::size_t capacity) {
  std::size_t n = 16;
  while (n < 2 * capacity) n <<= 1;
  return n;
}

// A slot's tag: the lower 32 bits of the hash, which hold the home slot too (the index
// has at most 2^31 slots).
static_assert(2 * kMaxCapacity <= (std::size_t{1} << 32), "a slot's tag must hold its home slot");
std::uint64_t tag_of(std::uint64_t hash) { return hash & 0xffffffffu; }

}  // namespace

StreamHeadCache::StreamHeadCache(std::size_t capacity)
    : capacity_(std::clamp<std::size_t>(capacity, 1, kMaxCapacity)),
      slots_(slot_count(capacity_), 0),
      mask_(slots_.size() - 1) {}

std::uint64_t StreamHeadCache::hash_of(std::string_view stream) {
  return static_cast<std::uint64_t>(std::hash<std::string_view>{}(stream));
}

std::size_t StreamHeadCache::find_slot(std::string_view stream, std::uint64_t hash) const {
  for (std::size_t i = hash & mask_;; i = (i + 1) & mask_) {
    const Slot s = slots_[i];
    if (s == 0) return i;
    if ((s >> 32) == tag_of(hash) && entries_[entry_of(s)].stream == stream) return i;
  }
}

std::size_t StreamHeadCache::slot_of_entry(std::size_t index, std::uint64_t hash) const {
  std::size_t i = hash & mask_;
  while (entry_of(slots_[i]) != index) i = (i + 1) & mask_;
  return i;
}

std::optional<std::uint64_t> StreamHeadCache::get(std::string_view stream) {
  const Slot s = slots_[find_slot(stream, hash_of(stream))];
  if (s == 0) return std::nullopt;
  Entry& e = entries_[entry_of(s)];
  e.used = true;
  return e.version;
}

void StreamHeadCache::put(std::string_view stream, std::uint64_t version) {
  const std::uint64_t hash = hash_of(stream);
  std::size_t slot = find_slot(stream, hash);
  if (slots_[slot] != 0) {
    Entry& e = entries_[entry_of(slots_[slot])];
    e.version = version;
    e.used = true;
    return;
  }
  std::size_t index;
  if (entries_.size() < capacity_) {
    index = entries_.size();
    entries_.emplace_back();
  } else {
    // Full: the hand skips the entries used since it last passed, clearing their mark,
    // and takes the first one that was not.
    while (entries_[hand_].used) {
      entries_[hand_].used = false;
      hand_ = (hand_ + 1) % entries_.size();
    }
    index = hand_;
    hand_ = (hand_ + 1) % entries_.size();
    erase_slot(slot_of_entry(index, entries_[index].hash));
    slot = find_slot(stream, hash);  // the erase may have moved the run the new one joins
  }
  Entry& e = entries_[index];
  e.stream.assign(stream);
  e.version = version;
  e.hash = hash;
  e.used = false;
  slots_[slot] = (tag_of(hash) << 32) | (index + 1);
}

void StreamHeadCache::erase_slot(std::size_t i) {
  slots_[i] = 0;
  for (std::size_t j = (i + 1) & mask_; slots_[j] != 0; j = (j + 1) & mask_) {
    // The slot at j may move back to i unless its home lies cyclically in (i, j].
    const std::size_t home = (slots_[j] >> 32) & mask_;
    const bool home_after_i = i <= j ? (home > i && home <= j) : (home > i || home <= j);
    if (home_after_i) continue;
    slots_[i] = slots_[j];
    slots_[j] = 0;
    i = j;
  }
}

void StreamHeadCache::clear() {
  entries_.clear();
  std::fill(slots_.begin(), slots_.end(), Slot{0});
  hand_ = 0;
}

}  // namespace mailbox::eventstore
