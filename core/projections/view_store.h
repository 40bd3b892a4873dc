#pragma once
// The views database: a RocksDB database, separate from the log, that holds every
// view's rows and checkpoints. It can be deleted at any time; the views are rebuilt
// from the log.
//
// Each view has generations: the rows of one generation sit under their own key prefix,
// and one generation is active (the one queries read). A rebuild fills a new generation
// while the active one keeps answering, then activates it.
//
// Thread-safety: every method may be called from any thread. One worker writes a given
// generation of a view.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/eventstore/status.h"

namespace rocksdb {
class Env;
}

namespace mailbox::projections {

using eventstore::Code;
using eventstore::Error;
using eventstore::Result;
using eventstore::Status;

// Memory for all the views' memtables together; past 7/8 of it they are flushed (the
// views have no write-ahead log, so that is when their rows become durable). A send
// writes about 1.4 KB of view rows at keys spread over the whole key space: each flush
// is a level-0 file that overlaps all of level 1, so the fewer and larger the flushes,
// the less compaction rewrites. 64 MB against 32 cut the views' compaction CPU by 40 to
// 70% in 120 s of sends (docs/benchmarks.md, "Later on 2026-11-27: the views flush
// half as often"). 128 MB was not better in one run, where the rows family's own
// write_buffer_size (RocksDB's default, 64 MB) capped its memtable. After a crash at
// most this much view work is redone from the log.
inline constexpr std::size_t kViewsMemtableBudgetBytes = 64u << 20;

struct ViewStoreOptions {
  bool create_if_missing = true;
  // Open for reading only (a RocksDB secondary instance): works while another process
  // has the views open for writing; every write fails with unavailable.
  bool read_only = false;
  std::size_t block_cache_bytes = 32u << 20;
  std::size_t memtable_budget_bytes = kViewsMemtableBudgetBytes;  // all the views' memtables together
  int max_open_files = -1;        // files RocksDB keeps open (-1: no bound)
  rocksdb::Env* env = nullptr;    // null: RocksDB's default
};

class ViewStore;

// Reads one generation of one view at a fixed point in time (a snapshot): every read
// through one reader sees the same state.
class ViewReader {
 public:
  ~ViewReader();
  ViewReader(ViewReader&&) noexcept;
  ViewReader(const ViewReader&) = delete;

  Result<std::optional<std::string>> get(std::string_view key) const;
  // The rows of keys, in their order (nullopt where there is none): one batched lookup
  // (RocksDB's MultiGet) rather than one search per key.
  Result<std::vector<std::optional<std::string>>> get_many(const std::vector<std::string>& keys) const;
  // Visits rows whose key starts with prefix and is > after (>= prefix when after is
  // empty), in key order, until visit returns false.
  Status scan(std::string_view prefix, std::string_view after,
              const std::function<bool(std::string_view key, std::string_view value)>& visit) const;

 private:
  friend class ViewStore;
  struct Impl;
  explicit ViewReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// The writes of one batch to one generation of a view. Reads through it see the
// batch's own writes on top of the stored rows.
class ViewWriter {
 public:
  ~ViewWriter();
  ViewWriter(ViewWriter&&) noexcept;
  ViewWriter(const ViewWriter&) = delete;

  Result<std::optional<std::string>> get(std::string_view key);
  void put(std::string_view key, std::string_view value);
  void del(std::string_view key);
  // Whether a row whose key starts with prefix may be in the generation: one is stored,
  // or was put in this batch. A false is sure; a true may be stale once this batch has
  // deleted rows. The stored rows are looked at once per batch and prefix, so a
  // projection can skip its per-event lookups under a prefix that holds nothing.
  Result<bool> may_hold(std::string_view prefix);
  std::size_t count() const;  // writes so far

 private:
  friend class ViewStore;
  struct Impl;
  explicit ViewWriter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class ViewStore {
 public:
  // Opens (or creates) the views database at path.
  static Result<std::unique_ptr<ViewStore>> open(const std::string& path, const ViewStoreOptions& options = {});
  ~ViewStore();

  // Opening a writable store drops every generation that is not its view's active one:
  // what a rebuild interrupted by a crash left behind.
  //
  // The generation queries read (1 for a view never rebuilt). Errors: a failed read of
  // the views' metadata (never guessed).
  Result<std::uint64_t> active_generation(std::string_view view) const;
  // The log position a generation has applied everything up to (0: nothing yet).
  Result<std::uint64_t> checkpoint(std::string_view view, std::uint64_t generation) const;
  // A generation number not used before by this view.
  Result<std::uint64_t> new_generation(std::string_view view);
  // Makes queries read this generation from now on, and persists the choice.
  Status activate(std::string_view view, std::uint64_t generation);
  // Deletes a generation's rows and checkpoint.
  Status drop(std::string_view view, std::uint64_t generation);

  // A reader over the active generation.
  Result<ViewReader> reader(std::string_view view) const;
  ViewReader reader(std::string_view view, std::uint64_t generation) const;

  ViewWriter writer(std::string_view view, std::uint64_t generation);
  // Writes the batch's rows and the generation's new checkpoint in one atomic write.
  Status commit(ViewWriter& batch, std::uint64_t checkpoint_position);

  bool read_only() const;
  // After a failed write (e.g. the disk was full), RocksDB refuses writes until resumed:
  // tries to resume. Errors: unavailable while the cause persists.
  Status resume();

  // Every row of a generation, in key order (keys without the generation prefix); for
  // comparing views.
  Status dump(std::string_view view, std::uint64_t generation,
              const std::function<bool(std::string_view key, std::string_view value)>& visit) const;

 private:
  ViewStore();
  Status drop_orphans();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mailbox::projections
