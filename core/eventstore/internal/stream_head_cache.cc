#include "core/eventstore/internal/stream_head_cache.h"

namespace mailbox::eventstore {

StreamHeadCache::StreamHeadCache(std::size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

std::optional<std::uint64_t> StreamHeadCache::get(std::string_view stream) {
  auto it = map_.find(stream);
  if (it == map_.end()) return std::nullopt;
  order_.splice(order_.begin(), order_, it->second.order);
  return it->second.version;
}

void StreamHeadCache::put(std::string_view stream, std::uint64_t version) {
  auto it = map_.find(stream);
  if (it != map_.end()) {
    it->second.version = version;
    order_.splice(order_.begin(), order_, it->second.order);
    return;
  }
  if (map_.size() >= capacity_) {
    map_.erase(order_.back());
    order_.pop_back();
  }
  order_.emplace_front(stream);
  map_.emplace(order_.front(), Entry{version, order_.begin()});
}

void StreamHeadCache::clear() {
  map_.clear();
  order_.clear();
}

}  // namespace mailbox::eventstore
