#pragma once
// RocksDB's diagnostic log (the LOG file in each database folder), written so that a
// full disk cannot stop the database: RocksDB's own log writer aborts the process (an
// assertion Debian's build keeps) when it writes again after a write that failed, which
// a full disk brings within one line. Here a line that cannot be written is dropped.
// The file is cut over to LOG.old past a size bound, and at open.
//
// Thread-safety: RocksDB calls Logv from any of its threads; each line is one write().

#include <rocksdb/env.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

namespace mailbox::storage {

class InfoLog final : public rocksdb::Logger {
 public:
  // Opens folder/LOG for appending (after renaming an existing one to LOG.old). A
  // folder that cannot be written gives a logger that drops every line.
  explicit InfoLog(const std::string& folder, std::uint64_t max_bytes = 8u << 20);
  ~InfoLog() override;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  size_t GetLogFileSize() const override { return bytes_.load(std::memory_order_relaxed); }
  // Lines dropped because they could not be written.
  std::uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  rocksdb::Status CloseImpl() override;
  void roll();  // REQUIRES: mutex_ held

  const std::string path_;
  const std::uint64_t max_bytes_;
  std::mutex mutex_;  // guards fd_ and rolling
  int fd_ = -1;
  std::atomic<std::uint64_t> bytes_{0}, dropped_{0};
};

}  // namespace mailbox::storage
