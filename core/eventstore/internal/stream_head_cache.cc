#include "core/eventstore/internal/stream_head_cache.h"

namespace mailbox::eventstore {

StreamHeadCache::StreamHeadCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::optional<std::uint64_t> StreamHeadCache::get(std::string_view stream) {
  auto it = index_.find(stream);
  if (it == index_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->version;
}

void StreamHeadCache::put(std::string_view stream, std::uint64_t version) {
  if (auto it = index_.find(stream); it != index_.end()) {
    it->second->version = version;
    order_.splice(order_.begin(), order_, it->second);
    return;
  }
  if (index_.size() < capacity_) {
    order_.push_front(Entry{std::string(stream), version});
    index_.emplace(order_.front().stream, order_.begin());
    return;
  }
  // Full: the least recently used entry and its index node take the new stream.
  auto victim = std::prev(order_.end());
  auto node = index_.extract(victim->stream);
  victim->stream.assign(stream);
  victim->version = version;
  order_.splice(order_.begin(), order_, victim);
  node.key() = victim->stream;
  index_.insert(std::move(node));
}

void StreamHeadCache::clear() {
  index_.clear();
  order_.clear();
}

}  // namespace mailbox::eventstore
