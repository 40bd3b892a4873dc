#pragma once
// A RocksDB file system that fails or holds writes and reads on demand, for tests of
// storage errors and group commit: write-ahead-log appends and syncs (the log's
// commits), table file writes (flushes, e.g. of the views), and table file reads; and
// that holds hard links (a copy of the log, i.e. a backup, in progress); that fills the
// disk (every write fails with NoSpace); and that writes down what each file has made
// durable, for a simulated power loss (journal_to, sync_journal.h).

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "tests/support/hold.h"
#include "tests/support/sync_journal.h"

namespace mailbox::testing {

class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyFileSystem"; }

  // Every WAL append and sync fails with an I/O error (not a full disk) while set.
  void fail_wal_writes(bool on) { failing_ = on; }
  // Every write to a table file (.sst) fails while set: flushes fail. With no_space the
  // error says the disk is full (RocksDB then recovers by itself once writes work);
  // otherwise it is a plain I/O error (the database must be resumed).
  void fail_table_writes(bool on, bool no_space = false) {
    table_no_space_ = no_space;
    failing_tables_ = on;
  }
  // Every read of a table file (.sst) fails with an I/O error while set.
  void fail_table_reads(bool on) { failing_reads_ = on; }
  // While held, a WAL sync waits until release(); syncs_waiting() counts the waiters.
  void hold_syncs() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    cv_.notify_all();
  }
  int syncs_waiting() {
    std::lock_guard lock(mutex_);
    return waiting_;
  }

  // While set, each hard link (a copy of a database links its table files) first waits
  // in hold->hold(). REQUIRES: the Hold outlives every link made meanwhile.
  void hold_links(Hold* hold) { link_hold_ = hold; }

  rocksdb::IOStatus LinkFile(const std::string& from, const std::string& to, const rocksdb::IOOptions& options,
                             rocksdb::IODebugContext* dbg) override {
    if (Hold* hold = link_hold_.load()) hold->hold();
    return target()->LinkFile(from, to, options, dbg);
  }

  // From now on, every file created, synced, renamed or deleted and every directory
  // synced is written down in a journal at path (sync_journal.h), for
  // SyncJournal::lose_power() to apply once this process is gone.
  void journal_to(const std::string& path) { journal_ = std::make_unique<SyncJournal>(path); }

  // While set, every append and sync of every file fails as on a full disk (NoSpace).
  void fill_disk(bool on) { disk_full_ = on; }

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, options, result, dbg);
    if (!s.ok()) return s;
    if (journal_) journal_->created(name);
    *result = std::make_unique<File>(std::move(*result), this, name, 0);
    return s;
  }

  rocksdb::IOStatus ReopenWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                       std::unique_ptr<rocksdb::FSWritableFile>* result,
                                       rocksdb::IODebugContext* dbg) override {
    std::uint64_t size = 0;
    if (!target()->GetFileSize(name, rocksdb::IOOptions(), &size, dbg).ok()) size = 0;
    auto s = target()->ReopenWritableFile(name, options, result, dbg);
    if (!s.ok()) return s;
    *result = std::make_unique<File>(std::move(*result), this, name, size);
    return s;
  }

  rocksdb::IOStatus NewDirectory(const std::string& name, const rocksdb::IOOptions& options,
                                 std::unique_ptr<rocksdb::FSDirectory>* result, rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewDirectory(name, options, result, dbg);
    if (s.ok()) *result = std::make_unique<Directory>(std::move(*result), this, name);
    return s;
  }

  rocksdb::IOStatus RenameFile(const std::string& from, const std::string& to, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override {
    std::optional<std::string> old;
    if (journal_) old = small_content(to);
    auto s = target()->RenameFile(from, to, options, dbg);
    if (s.ok() && journal_) journal_->renamed(from, to, old);
    return s;
  }

  rocksdb::IOStatus DeleteFile(const std::string& name, const rocksdb::IOOptions& options,
                               rocksdb::IODebugContext* dbg) override {
    auto s = target()->DeleteFile(name, options, dbg);
    if (s.ok() && journal_) journal_->deleted(name);
    return s;
  }

  rocksdb::IOStatus NewRandomAccessFile(const std::string& name, const rocksdb::FileOptions& options,
                                        std::unique_ptr<rocksdb::FSRandomAccessFile>* result,
                                        rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewRandomAccessFile(name, options, result, dbg);
    if (s.ok() && name.ends_with(".sst")) *result = std::make_unique<TableReader>(std::move(*result), this);
    return s;
  }

  // An Env over this file system, to pass as StoreOptions::env.
  static std::pair<std::shared_ptr<FaultyFileSystem>, std::unique_ptr<rocksdb::Env>> make() {
    auto fs = std::make_shared<FaultyFileSystem>();
    auto env = rocksdb::NewCompositeEnv(fs);
    return {fs, std::move(env)};
  }

 private:
  // Every file opened for writing: injects the faults asked for by the file's kind, and
  // writes its syncs down in the journal. size_ counts the bytes appended (the file's
  // logical length); only RocksDB's one writer thread of the file touches it.
  class File : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    File(std::unique_ptr<rocksdb::FSWritableFile>&& file, FaultyFileSystem* fs, const std::string& name,
         std::uint64_t size)
        : FSWritableFileOwnerWrapper(std::move(file)),
          fs_(fs),
          name_(name),
          wal_(name.ends_with(".log")),
          table_(name.ends_with(".sst")),
          size_(size),
          synced_(size) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (auto s = append_fault(); !s.ok()) return s;
      auto s = FSWritableFileOwnerWrapper::Append(data, o, dbg);
      if (s.ok()) size_ += data.size();
      return s;
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
      if (auto s = append_fault(); !s.ok()) return s;
      auto s = FSWritableFileOwnerWrapper::Append(data, o, info, dbg);
      if (s.ok()) size_ += data.size();
      return s;
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& o,
                                       rocksdb::IODebugContext* dbg) override {
      if (auto s = append_fault(); !s.ok()) return s;
      auto s = FSWritableFileOwnerWrapper::PositionedAppend(data, offset, o, dbg);
      if (s.ok()) size_ = std::max<std::uint64_t>(size_, offset + data.size());
      return s;
    }
    rocksdb::IOStatus PositionedAppend(const rocksdb::Slice& data, uint64_t offset, const rocksdb::IOOptions& o,
                                       const rocksdb::DataVerificationInfo& info,
                                       rocksdb::IODebugContext* dbg) override {
      if (auto s = append_fault(); !s.ok()) return s;
      auto s = FSWritableFileOwnerWrapper::PositionedAppend(data, offset, o, info, dbg);
      if (s.ok()) size_ = std::max<std::uint64_t>(size_, offset + data.size());
      return s;
    }
    rocksdb::IOStatus Truncate(uint64_t size, const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      auto s = FSWritableFileOwnerWrapper::Truncate(size, o, dbg);
      if (s.ok()) {
        size_ = size;
        synced_ = std::min(synced_, size);
      }
      return s;
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (auto s = sync_fault(); !s.ok()) return s;
      return synced(FSWritableFileOwnerWrapper::Sync(o, dbg), size_);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      if (auto s = sync_fault(); !s.ok()) return s;
      return synced(FSWritableFileOwnerWrapper::Fsync(o, dbg), size_);
    }
    rocksdb::IOStatus RangeSync(uint64_t offset, uint64_t nbytes, const rocksdb::IOOptions& o,
                                rocksdb::IODebugContext* dbg) override {
      if (auto s = sync_fault(); !s.ok()) return s;
      // Taken as making the range durable, as RocksDB's own fault injection takes it.
      return synced(FSWritableFileOwnerWrapper::RangeSync(offset, nbytes, o, dbg),
                    std::min<std::uint64_t>(size_, offset + nbytes));
    }

   private:
    rocksdb::IOStatus append_fault() const {
      if (fs_->disk_full_) return rocksdb::IOStatus::NoSpace("injected: no space left on device");
      if (wal_ && fs_->failing_) return rocksdb::IOStatus::IOError("injected: write failed");
      if (table_ && fs_->failing_tables_) return fs_->table_error();
      return rocksdb::IOStatus::OK();
    }
    rocksdb::IOStatus sync_fault() const {
      if (wal_) fs_->wait_if_held();
      if (fs_->disk_full_ && synced_ < size_) return rocksdb::IOStatus::NoSpace("injected: no space left on device");
      if (wal_ && fs_->failing_) return rocksdb::IOStatus::IOError("injected: sync failed");
      return rocksdb::IOStatus::OK();
    }
    rocksdb::IOStatus synced(rocksdb::IOStatus s, std::uint64_t upto) {
      if (s.ok() && upto > synced_) {
        synced_ = upto;
        if (fs_->journal_) fs_->journal_->synced(name_, upto);
      }
      return s;
    }

    FaultyFileSystem* fs_;
    const std::string name_;
    const bool wal_, table_;
    std::uint64_t size_, synced_;
  };

  class Directory : public rocksdb::FSDirectoryWrapper {
   public:
    Directory(std::unique_ptr<rocksdb::FSDirectory>&& dir, FaultyFileSystem* fs, const std::string& name)
        : FSDirectoryWrapper(std::move(dir)), fs_(fs), name_(name) {}
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      return synced(FSDirectoryWrapper::Fsync(o, dbg));
    }
    rocksdb::IOStatus FsyncWithDirOptions(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg,
                                          const rocksdb::DirFsyncOptions& options) override {
      return synced(FSDirectoryWrapper::FsyncWithDirOptions(o, dbg, options));
    }

   private:
    rocksdb::IOStatus synced(rocksdb::IOStatus s) {
      if (s.ok() && fs_->journal_) fs_->journal_->dir_synced(name_);
      return s;
    }
    FaultyFileSystem* fs_;
    const std::string name_;
  };

  class TableReader : public rocksdb::FSRandomAccessFileOwnerWrapper {
   public:
    TableReader(std::unique_ptr<rocksdb::FSRandomAccessFile>&& file, FaultyFileSystem* fs)
        : FSRandomAccessFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Read(uint64_t offset, size_t n, const rocksdb::IOOptions& o, rocksdb::Slice* result,
                           char* scratch, rocksdb::IODebugContext* dbg) const override {
      if (fs_->failing_reads_) return rocksdb::IOStatus::IOError("injected: read failed");
      return FSRandomAccessFileOwnerWrapper::Read(offset, n, o, result, scratch, dbg);
    }
    rocksdb::IOStatus MultiRead(rocksdb::FSReadRequest* reqs, size_t num_reqs, const rocksdb::IOOptions& o,
                                rocksdb::IODebugContext* dbg) override {
      if (fs_->failing_reads_) return rocksdb::IOStatus::IOError("injected: read failed");
      return FSRandomAccessFileOwnerWrapper::MultiRead(reqs, num_reqs, o, dbg);
    }

   private:
    FaultyFileSystem* fs_;
  };

  rocksdb::IOStatus table_error() const {
    return table_no_space_ ? rocksdb::IOStatus::NoSpace("injected: no space left on device")
                           : rocksdb::IOStatus::IOError("injected: table write failed");
  }

  // What the file holds when it is small (a CURRENT file), to put back after a power loss
  // undoes a rename over it; nothing when it is absent or large.
  std::optional<std::string> small_content(const std::string& name) {
    std::uint64_t size = 0;
    if (!target()->GetFileSize(name, rocksdb::IOOptions(), &size, nullptr).ok() || size > 4096) return std::nullopt;
    std::string content;
    if (!rocksdb::ReadFileToString(target(), name, &content).ok()) return std::nullopt;
    return content;
  }

  void wait_if_held() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    cv_.wait(lock, [&] { return !held_; });
    --waiting_;
  }

  std::atomic<bool> failing_{false}, failing_tables_{false}, table_no_space_{false}, failing_reads_{false};
  std::atomic<bool> disk_full_{false};
  std::atomic<Hold*> link_hold_{nullptr};
  std::unique_ptr<SyncJournal> journal_;  // set before the databases open
  std::mutex mutex_;
  std::condition_variable cv_;
  bool held_ = false;
  int waiting_ = 0;
};

}  // namespace mailbox::testing
