#include "core/eventstore/internal/recent_dedupe_rows.h"

#include <algorithm>

namespace mailbox::eventstore {

void RecentDedupeRows::add(std::uint64_t first, std::uint64_t last, const std::vector<Placed>& rows) {
  if (capacity_ == 0 || first == 0 || last < first) return;
  std::lock_guard lock(mutex_);
  if (from_ == 0 || first != to_ + 1) {
    clear_locked();
    from_ = first;
  }
  to_ = last;
  rows_.insert(rows_.end(), rows.begin(), rows.end());
  if (to_ - from_ + 1 > capacity_) {
    from_ = to_ - capacity_ + 1;
    while (!rows_.empty() && rows_.front().position < from_) rows_.pop_front();
  }
}

void RecentDedupeRows::clear() {
  std::lock_guard lock(mutex_);
  clear_locked();
}

void RecentDedupeRows::clear_locked() {
  from_ = to_ = 0;
  rows_.clear();
}

std::optional<std::vector<DedupeRow>> RecentDedupeRows::rows(std::uint64_t first, std::uint64_t last) const {
  std::lock_guard lock(mutex_);
  if (from_ == 0 || first < from_ || last > to_) return std::nullopt;
  std::vector<DedupeRow> out;
  auto it = std::lower_bound(rows_.begin(), rows_.end(), first,
                             [](const Placed& p, std::uint64_t position) { return p.position < position; });
  for (; it != rows_.end() && it->position <= last; ++it) out.push_back(it->row);
  return out;
}

}  // namespace mailbox::eventstore
