#pragma once
// Options of the event store, with defaults fit for one process on one disk.

#include <cstddef>
#include <functional>

#include "core/eventstore/status.h"

namespace rocksdb {
class Env;
}

namespace mailbox::eventstore {

struct StoreOptions {
  // Create the database when the folder holds none. When false, opening a folder
  // without a log fails with Code::not_found.
  bool create_if_missing = true;
  // Open for reading only (no writer thread; appends fail with Code::unavailable).
  // Another process may hold the folder open for writing at the same time.
  bool read_only = false;
  // Hold releases from the start (synchronous replication): head() starts at 0 and
  // moves only by EventStore::release(), whatever is durable (EventStore::hold_releases).
  bool hold_releases = false;
  // How many stream heads the writer keeps in memory; misses read them from disk. Its
  // index (8 bytes per slot, at least two slots per head: 2 MB for 100,000) is allocated
  // when the writer starts; the heads themselves as they come.
  std::size_t stream_head_cache_capacity = 100'000;
  // Upper bound on events committed in one group-commit batch.
  std::size_t max_batch_events = 8192;
  // RocksDB block cache for the log database, in bytes.
  std::size_t block_cache_bytes = 64u << 20;
  // Memory for all the log's memtables together; past it the largest is flushed. Bounds
  // the process's memory whatever the write rate.
  std::size_t memtable_budget_bytes = 64u << 20;
  // Events waiting for the writer, at most: past it an append is refused at once with
  // resource_exhausted (reason "overloaded") instead of waiting ever longer. Transactions
  // that carry checkpoints (the policies', one batch in flight each) are not refused.
  // 0: no bound.
  std::size_t max_pending_events = 65'536;
  // The dedupe rows of the last this many positions the writer appended, kept in memory
  // for read_segment (56 bytes per supplied event id): a shipper that keeps up
  // reads them there instead of from RocksDB. 0: none kept (a store that nobody ships).
  std::size_t recent_dedupe_rows = 0;
  // Files RocksDB keeps open for the log (-1: as many as it likes).
  int max_open_files = -1;
  // The environment RocksDB writes through; null for the default. Tests use it to
  // inject storage failures.
  rocksdb::Env* env = nullptr;
  // Called on the writer thread when a storage write fails and the store starts
  // refusing appends (see EventStore::failure), and again if a full disk turns into a
  // failure for good. REQUIRES: quick; must not append.
  std::function<void(const Error&)> on_failure;
  // Called once, on the writer thread, when the store takes appends again after a full
  // disk. REQUIRES: quick; must not append.
  std::function<void()> on_recovery;
};

}  // namespace mailbox::eventstore
