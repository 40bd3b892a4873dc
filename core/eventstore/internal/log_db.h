#pragma once
// The RocksDB database behind the log: opening it with its column families, and the
// point reads both the writer and readers need. Internal to core/eventstore.

#include <rocksdb/db.h>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/eventstore/internal/recent_dedupe_rows.h"
#include "core/eventstore/options.h"
#include "core/eventstore/status.h"
#include "core/eventstore/types.h"
#include "core/storage/rocks_db.h"

namespace mailbox::eventstore {

using storage::to_error;

class LogDb {
 public:
  // Opens (or creates) the log database at path. Thread-safe once opened.
  static Result<std::unique_ptr<LogDb>> open(const std::string& path, const StoreOptions& options);

  rocksdb::DB* db() const { return rocks_->db(); }
  rocksdb::ColumnFamilyHandle* log() const { return rocks_->family(1); }
  rocksdb::ColumnFamilyHandle* streams() const { return rocks_->family(2); }
  rocksdb::ColumnFamilyHandle* dedupe() const { return rocks_->family(3); }
  rocksdb::ColumnFamilyHandle* checkpoints() const { return rocks_->family(4); }
  bool read_only() const { return rocks_->read_only(); }
  // The dedupe rows of the latest appends (StoreOptions::recent_dedupe_rows); fed by the
  // writer, cleared by whatever else changes the log. Thread-safe.
  RecentDedupeRows& recent_dedupe_rows() const { return *recent_; }

  // For a read-only (secondary) instance: catch up with what the primary has written.
  Status catch_up() { return rocks_->catch_up(); }
  // Takes writes again after a failed one (storage::RocksDb::resume). REQUIRES: the
  // writer thread, so that no write is under way.
  Status resume();
  // Writes the memtables out as tables, so that the next open has no write-ahead log
  // to replay. REQUIRES: a writer (not read_only), no append under way.
  Status flush();
  // A copy of the database as of one moment (storage::RocksDb::checkpoint_to).
  Status checkpoint_to(const std::string& dir);

  // The highest position stored (0: empty log). Cost: one seek.
  Result<std::uint64_t> last_position() const;
  // The stream's version on disk (0: no such stream). Cost: one point lookup, and a
  // seek when the stream exists.
  Result<std::uint64_t> stream_version(std::string_view stream) const;
  // The stored result of the append that carried this event id, if any.
  Result<std::optional<AppendResult>> find_event_id(const EventId& id) const;
  // The event carrying this id among the positions of `stored` (what find_event_id
  // returned for it). Errors: corruption when none there carries it.
  Result<RecordedEvent> event_with_id(const EventId& id, const AppendResult& stored) const;
  Result<std::optional<std::uint64_t>> checkpoint(std::string_view name) const;
  // The highest position any checkpoint names (0: none).
  Result<std::uint64_t> max_checkpoint() const;

  // Calls visit for each event with from <= position <= upto, in order, at most max_count
  // times; stops early when visit returns false.
  Status scan_log(std::uint64_t from, std::uint64_t upto, std::size_t max_count,
                  const std::function<bool(RecordedEvent&&)>& visit) const;
  // The same, visiting only the events whose type wanted accepts (every event counts
  // towards max_count). Returns the last position passed: visited with true or not
  // wanted (from - 1 when none).
  Result<std::uint64_t> scan_log(std::uint64_t from, std::uint64_t upto, std::size_t max_count,
                                 const TypeFilter& wanted,
                                 const std::function<bool(RecordedEvent&&)>& visit) const;
  // Positions of the stream's events with version >= from_version, in order.
  Result<std::vector<std::uint64_t>> stream_positions(std::string_view stream,
                                                      std::uint64_t from_version,
                                                      std::size_t max_count) const;
  Result<RecordedEvent> read_event(std::uint64_t position) const;

 private:
  LogDb() = default;
  // Puts a row nobody reads into the default column family's memtable, without the
  // write-ahead log. RocksDB 7.8 resumes after a failed write by flushing the memtables,
  // which is what starts a new write-ahead log; with every memtable empty (after an open,
  // a resume or a copy flushed them all) it starts none, and the next append to the log
  // that failed aborts the process (an assertion in its file writer). With this row a
  // memtable is never empty after those. Cost: one memtable insert.
  Status keep_a_memtable_row();

  std::unique_ptr<storage::RocksDb> rocks_;
  std::unique_ptr<RecentDedupeRows> recent_;
};

}  // namespace mailbox::eventstore
