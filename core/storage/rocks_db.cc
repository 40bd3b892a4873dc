#include "core/storage/rocks_db.h"

#include <rocksdb/listener.h>
#include <rocksdb/utilities/checkpoint.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>

#include "core/storage/info_log.h"

namespace mailbox::storage {

using eventstore::Code;

Error to_error(const rocksdb::Status& s, std::string_view doing) {
  Code code = Code::internal;
  if (s.IsCorruption()) code = Code::corruption;
  else if (s.IsIOError() || s.IsBusy() || s.IsTimedOut() || s.IsTryAgain() || s.IsAborted() || s.IsIncomplete() ||
           s.IsShutdownInProgress())
    code = Code::unavailable;
  else if (s.IsNotFound()) code = Code::not_found;
  else if (s.IsInvalidArgument() || s.IsNotSupported()) code = Code::invalid_argument;
  // A full disk is said as such: it heals by itself once there is room again.
  std::string reason = s.IsNoSpace() ? "disk_full" : "";
  return Error{code, std::string(doing) + ": " + s.ToString(), std::nullopt, {}, std::move(reason)};
}

namespace {

constexpr std::string_view kScratchPrefix = "mailbox-secondary-";
constexpr const char* kScratchLock = "owner.lock";

// Whether a scratch folder is in use: the process named in it lives, or holds an flock
// on its lock file (a lock seen across PID namespaces that share the folder).
bool scratch_in_use(const std::filesystem::path& folder, std::string_view rest) {
  pid_t pid = 0;
  auto [p, err] = std::from_chars(rest.data(), rest.data() + rest.size(), pid);
  if (err != std::errc() || p == rest.data() + rest.size() || *p != '-' || pid <= 0) return true;  // not one of ours
  if (::kill(pid, 0) == 0 || errno != ESRCH) return true;
  const int fd = ::open((folder / kScratchLock).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
  ::close(fd);
  return held;
}

// Removes the scratch folders of read-only opens whose process is gone (killed before
// its destructor ran): mailbox-secondary-<pid>-XXXXXX folders of this user, real
// folders (not links), that no process holds.
void remove_orphaned_scratch(const std::filesystem::path& temp) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(temp, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(kScratchPrefix)) continue;
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) continue;
    if (scratch_in_use(it->path(), std::string_view(name).substr(kScratchPrefix.size()))) continue;
    std::error_code ignored;
    std::filesystem::remove_all(it->path(), ignored);
  }
}

}  // namespace

ScratchLock::~ScratchLock() {
  if (fd >= 0) ::close(fd);
}

namespace {

// RocksDB's own recovery from a failed write (a thread of its SstFileManager polling for
// disk space, or its retries of retryable I/O errors) is turned off: the log's writer
// and the views' workers call resume() when they retry, so recovery has one path, on the
// thread that owns the writes, and it is over before the database closes. (RocksDB
// 7.8's own recovery could still be flushing when Close ran, and Close then waited
// forever.)
class ResumeByHand final : public rocksdb::EventListener {
 public:
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason, rocksdb::Status, bool* auto_recovery) override {
    *auto_recovery = false;
  }
};
}  // namespace

Result<std::unique_ptr<RocksDb>> RocksDb::open(RocksSpec spec) {
  rocksdb::DBOptions& options = spec.options;
  options.listeners.push_back(std::make_shared<ResumeByHand>());
  options.max_bgerror_resume_count = 0;
  options.create_if_missing = spec.create_if_missing && !spec.read_only;
  options.create_missing_column_families = options.create_if_missing;

  std::vector<std::string> existing;
  if (rocksdb::DB::ListColumnFamilies(options, spec.path, &existing).ok()) {
    if (std::find(existing.begin(), existing.end(), spec.marker_family) == existing.end())
      return eventstore::fail(Code::invalid_argument,
                              "'" + spec.path + "' holds a database that is not a " + spec.what);
  } else if (!options.create_if_missing) {
    return eventstore::fail(Code::not_found, "no " + spec.what + " at '" + spec.path + "'");
  }

  std::unique_ptr<RocksDb> self(new RocksDb());
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (spec.read_only) {
    options.max_open_files = -1;  // required of a secondary instance
    const auto temp = std::filesystem::temp_directory_path();
    remove_orphaned_scratch(temp);
    std::string scratch = (temp / (std::string(kScratchPrefix) + std::to_string(::getpid()) + "-XXXXXX")).string();
    if (::mkdtemp(scratch.data()) == nullptr)
      return eventstore::fail(Code::unavailable, "cannot make a scratch folder for a read-only " + spec.what);
    self->secondary_path_ = scratch;
    self->scratch_lock_.fd = ::open((std::filesystem::path(scratch) / kScratchLock).c_str(),
                                    O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (self->scratch_lock_.fd < 0 || ::flock(self->scratch_lock_.fd, LOCK_EX | LOCK_NB) != 0)
      return eventstore::fail(Code::unavailable, "cannot lock the scratch folder " + scratch + " of a read-only " + spec.what);
    if (!options.info_log) options.info_log = std::make_shared<InfoLog>(scratch);
    s = rocksdb::DB::OpenAsSecondary(options, spec.path, scratch, spec.families, &self->handles_, &raw);
  } else {
    std::error_code ec;
    std::filesystem::create_directories(spec.path, ec);  // for the LOG; DB::Open reports a failure
    if (!options.info_log) options.info_log = std::make_shared<InfoLog>(spec.path);
    s = rocksdb::DB::Open(options, spec.path, spec.families, &self->handles_, &raw);
  }
  if (!s.ok()) {
    if (s.ToString().find("lock") != std::string::npos)
      return eventstore::fail(Code::unavailable, "the " + spec.what + " at '" + spec.path +
                                                     "' is in use by another process: " + s.ToString());
    return std::unexpected(to_error(s, "opening the " + spec.what + " at '" + spec.path + "'"));
  }
  self->db_.reset(raw);
  self->what_ = spec.what;
  return self;
}

RocksDb::~RocksDb() {
  if (db_) {
    for (auto* h : handles_) (void)db_->DestroyColumnFamilyHandle(h);
    (void)db_->Close();
    db_.reset();
  }
  if (!secondary_path_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(secondary_path_, ec);
  }
}

Status RocksDb::catch_up() {
  if (!read_only()) return {};
  auto s = db_->TryCatchUpWithPrimary();
  if (!s.ok()) return std::unexpected(to_error(s, "catching up with the writer"));
  return {};
}

Status RocksDb::resume() {
  if (read_only()) return {};
  auto s = db_->Resume();
  if (!s.ok()) return std::unexpected(to_error(s, "resuming the " + what_ + " after a failed write"));
  return {};
}

Status RocksDb::checkpoint_to(const std::string& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec))
    return eventstore::fail(Code::invalid_argument, "a copy cannot be written into '" + dir + "': it exists");
  rocksdb::Checkpoint* raw = nullptr;
  auto s = rocksdb::Checkpoint::Create(db_.get(), &raw);
  if (!s.ok()) return std::unexpected(to_error(s, "preparing a copy of the database"));
  std::unique_ptr<rocksdb::Checkpoint> checkpoint(raw);
  s = checkpoint->CreateCheckpoint(dir);
  if (!s.ok()) return std::unexpected(to_error(s, "copying the database into '" + dir + "'"));
  return {};
}

}  // namespace mailbox::storage
