#pragma once
// RocksDB under the engine's two databases, the log (core/eventstore) and the views
// (core/projections): opening one, as its only writer or read-only beside a writer, and
// turning RocksDB's statuses into the engine's errors. Only those two modules use it;
// nothing above core sees RocksDB.

#include <rocksdb/db.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/eventstore/status.h"

namespace mailbox::storage {

using eventstore::Error;
using eventstore::Result;
using eventstore::Status;

// A RocksDB status as an Error, its message prefixed with what was being done. I/O
// errors are unavailable (retry later; reason "disk_full" when the disk is full),
// corruption is corruption, the rest internal.
Error to_error(const rocksdb::Status& s, std::string_view doing);

struct RocksSpec {
  std::string path;
  std::string what;  // "mailbox log", "mailbox views": used in error messages
  // A column family only our databases have: a folder whose database lacks it is refused.
  std::string marker_family;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;  // handles() follows this order
  rocksdb::DBOptions options;
  bool create_if_missing = true;
  // Open as a secondary instance: reads what the writing process has committed (see
  // catch_up), writes nothing, works while another process holds the folder.
  bool read_only = false;
};

// The lock file of a read-only open's scratch folder, held (flock) while the folder is
// in use, so that another process's sweep of orphaned folders leaves it alone.
struct ScratchLock {
  int fd = -1;
  ScratchLock() = default;
  ScratchLock(const ScratchLock&) = delete;
  ScratchLock& operator=(const ScratchLock&) = delete;
  ~ScratchLock();
};

// An open database with its column families. Not copyable; thread-safe as RocksDB is.
class RocksDb {
 public:
  // Errors: not_found (no database and create_if_missing is false), invalid_argument
  // (the folder holds a database without the marker family), unavailable (another
  // process holds the folder, or an I/O error).
  static Result<std::unique_ptr<RocksDb>> open(RocksSpec spec);
  // Destroys the handles, closes the database, removes a secondary's scratch folder.
  ~RocksDb();
  RocksDb(const RocksDb&) = delete;
  RocksDb& operator=(const RocksDb&) = delete;

  rocksdb::DB* db() const { return db_.get(); }
  rocksdb::ColumnFamilyHandle* family(std::size_t i) const { return handles_[i]; }
  const std::vector<rocksdb::ColumnFamilyHandle*>& families() const { return handles_; }
  bool read_only() const { return !secondary_path_.empty(); }
  // For a read-only instance: picks up what the writer has committed since. Does
  // nothing on a writable one.
  Status catch_up();
  // After a failed write (a full disk, an I/O error) RocksDB refuses every write until
  // resumed: this flushes the memtables into new files and a new write-ahead log and, when
  // that works, takes writes again. RocksDB's own automatic recovery is off (see
  // rocks_db.cc). Errors: the failure still there (reason disk_full while the disk is
  // full), or one RocksDB cannot recover from without a reopen. Does nothing on a
  // read-only instance or a database without a failure.
  Status resume();
  // Writes an openable copy of the database, as of one moment, into dir: a RocksDB
  // checkpoint (memtables flushed first; table files hard-linked when dir is on the
  // same file system, copied otherwise; the rest copied). Writes go on meanwhile.
  // REQUIRES: dir does not exist; its parent does. Errors: invalid_argument (dir
  // exists), unavailable (an I/O error, e.g. a full disk).
  Status checkpoint_to(const std::string& dir);

 private:
  RocksDb() = default;
  std::unique_ptr<rocksdb::DB> db_;
  std::vector<rocksdb::ColumnFamilyHandle*> handles_;
  std::string secondary_path_;
  ScratchLock scratch_lock_;
  std::string what_;
};

}  // namespace mailbox::storage
