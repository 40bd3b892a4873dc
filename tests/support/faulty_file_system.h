#pragma once
// A RocksDB file system that fails or holds writes and reads on demand, for tests of
// storage errors and group commit: write-ahead-log appends and syncs (the log's
// commits), table file writes (flushes, e.g. of the views), and table file reads; and
// that holds hard links (a copy of the log, i.e. a backup, in progress).

#include <rocksdb/env.h>
#include <rocksdb/file_system.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "tests/support/hold.h"

namespace mailbox::testing {

class FaultyFileSystem : public rocksdb::FileSystemWrapper {
 public:
  FaultyFileSystem() : FileSystemWrapper(rocksdb::FileSystem::Default()) {}
  const char* Name() const override { return "FaultyFileSystem"; }

  // Every WAL append and sync fails with an I/O error while set.
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

  rocksdb::IOStatus NewWritableFile(const std::string& name, const rocksdb::FileOptions& options,
                                    std::unique_ptr<rocksdb::FSWritableFile>* result,
                                    rocksdb::IODebugContext* dbg) override {
    auto s = target()->NewWritableFile(name, options, result, dbg);
    if (s.ok() && name.ends_with(".log")) *result = std::make_unique<WalFile>(std::move(*result), this);
    if (s.ok() && name.ends_with(".sst")) *result = std::make_unique<TableFile>(std::move(*result), this);
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
  class WalFile : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    WalFile(std::unique_ptr<rocksdb::FSWritableFile>&& file, FaultyFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->failing_) return rocksdb::IOStatus::NoSpace("injected: no space left on device");
      return FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
      if (fs_->failing_) return rocksdb::IOStatus::NoSpace("injected: no space left on device");
      return FSWritableFileOwnerWrapper::Append(data, o, info, dbg);
    }
    rocksdb::IOStatus Sync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      fs_->wait_if_held();
      if (fs_->failing_) return rocksdb::IOStatus::IOError("injected: sync failed");
      return FSWritableFileOwnerWrapper::Sync(o, dbg);
    }
    rocksdb::IOStatus Fsync(const rocksdb::IOOptions& o, rocksdb::IODebugContext* dbg) override {
      fs_->wait_if_held();
      if (fs_->failing_) return rocksdb::IOStatus::IOError("injected: sync failed");
      return FSWritableFileOwnerWrapper::Fsync(o, dbg);
    }

   private:
    FaultyFileSystem* fs_;
  };

  class TableFile : public rocksdb::FSWritableFileOwnerWrapper {
   public:
    TableFile(std::unique_ptr<rocksdb::FSWritableFile>&& file, FaultyFileSystem* fs)
        : FSWritableFileOwnerWrapper(std::move(file)), fs_(fs) {}
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             rocksdb::IODebugContext* dbg) override {
      if (fs_->failing_tables_) return fs_->table_error();
      return FSWritableFileOwnerWrapper::Append(data, o, dbg);
    }
    rocksdb::IOStatus Append(const rocksdb::Slice& data, const rocksdb::IOOptions& o,
                             const rocksdb::DataVerificationInfo& info, rocksdb::IODebugContext* dbg) override {
      if (fs_->failing_tables_) return fs_->table_error();
      return FSWritableFileOwnerWrapper::Append(data, o, info, dbg);
    }

   private:
    FaultyFileSystem* fs_;
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

  void wait_if_held() {
    std::unique_lock lock(mutex_);
    ++waiting_;
    cv_.wait(lock, [&] { return !held_; });
    --waiting_;
  }

  std::atomic<bool> failing_{false}, failing_tables_{false}, table_no_space_{false}, failing_reads_{false};
  std::atomic<Hold*> link_hold_{nullptr};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool held_ = false;
  int waiting_ = 0;
};

}  // namespace mailbox::testing
