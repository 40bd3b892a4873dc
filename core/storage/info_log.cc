#include "core/storage/info_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace mailbox::storage {

InfoLog::InfoLog(const std::string& folder, std::uint64_t max_bytes)
    : path_(folder + "/LOG"), max_bytes_(max_bytes) {
  std::lock_guard lock(mutex_);
  roll();
}

InfoLog::~InfoLog() { (void)Close(); }

rocksdb::Status InfoLog::CloseImpl() {
  std::lock_guard lock(mutex_);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  return rocksdb::Status::OK();
}

void InfoLog::roll() {
  if (fd_ >= 0) ::close(fd_);
  (void)::rename(path_.c_str(), (path_ + ".old").c_str());  // absent at first: nothing to keep
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  bytes_.store(0, std::memory_order_relaxed);
}

void InfoLog::Logv(const char* format, va_list ap) {
  char line[1024];
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm utc;
  ::gmtime_r(&seconds, &utc);
  int n = static_cast<int>(std::strftime(line, sizeof line, "%Y/%m/%d-%H:%M:%S", &utc));
  n += std::snprintf(line + n, sizeof line - n, ".%06lld ", static_cast<long long>(micros));
  va_list copy;
  va_copy(copy, ap);
  const int body = std::vsnprintf(line + n, sizeof line - n, format, copy);
  va_end(copy);
  std::size_t size = body < 0 ? static_cast<std::size_t>(n)
                              : std::min(sizeof line - 1, static_cast<std::size_t>(n) + static_cast<std::size_t>(body));
  if (size == 0 || line[size - 1] != '\n') line[size++] = '\n';

  std::lock_guard lock(mutex_);
  if (bytes_.load(std::memory_order_relaxed) + size > max_bytes_) roll();
  if (fd_ < 0 || ::write(fd_, line, size) != static_cast<ssize_t>(size)) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  bytes_.fetch_add(size, std::memory_order_relaxed);
}

}  // namespace mailbox::storage
