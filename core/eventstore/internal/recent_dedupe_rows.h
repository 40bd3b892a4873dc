#pragma once
// The dedupe rows of the latest appends, kept in memory beside the log so that
// read_segment (what the replication shipper reads right after each commit) finds them
// without a search of the dedupe family for each event. Internal to core/eventstore.
//
// It covers one unbroken stretch of positions, each written by this process's writer in
// order. Anything else that changes the log (a copied segment, a cut) clears it, and a
// read it does not cover in full goes to RocksDB as before. Thread-safe.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "core/eventstore/types.h"

namespace mailbox::eventstore {

class RecentDedupeRows {
 public:
  // Keeps the rows of the last `capacity` positions at most; 0 keeps nothing.
  explicit RecentDedupeRows(std::size_t capacity) : capacity_(capacity) {}

  struct Placed {
    std::uint64_t position;
    DedupeRow row;
  };
  // After a durable append of positions first..last whose supplied ids got the rows
  // `rows` (in position order). A stretch that does not follow the last one starts over.
  void add(std::uint64_t first, std::uint64_t last, const std::vector<Placed>& rows);
  // Forgets everything.
  void clear();
  bool enabled() const { return capacity_ > 0; }
  // The rows of the events at positions first..last, in order, when every one of them
  // is covered; nullopt otherwise.
  std::optional<std::vector<DedupeRow>> rows(std::uint64_t first, std::uint64_t last) const;

 private:
  void clear_locked();

  const std::size_t capacity_;
  mutable std::mutex mutex_;
  std::uint64_t from_ = 0, to_ = 0;  // the positions covered (from_ == 0: none)
  std::deque<Placed> rows_;          // in position order, all within from_..to_
};

}  // namespace mailbox::eventstore
