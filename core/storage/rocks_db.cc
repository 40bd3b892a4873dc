#include "core/storage/rocks_db.h"

#include <rocksdb/utilities/checkpoint.h>

#include <stdlib.h>

#include <algorithm>
#include <filesystem>

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

Result<std::unique_ptr<RocksDb>> RocksDb::open(RocksSpec spec) {
  rocksdb::DBOptions& options = spec.options;
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
    std::string scratch = (std::filesystem::temp_directory_path() / "mailbox-secondary-XXXXXX").string();
    if (::mkdtemp(scratch.data()) == nullptr)
      return eventstore::fail(Code::unavailable, "cannot make a scratch folder for a read-only " + spec.what);
    self->secondary_path_ = scratch;
    s = rocksdb::DB::OpenAsSecondary(options, spec.path, scratch, spec.families, &self->handles_, &raw);
  } else {
    s = rocksdb::DB::Open(options, spec.path, spec.families, &self->handles_, &raw);
  }
  if (!s.ok()) {
    if (s.ToString().find("lock") != std::string::npos)
      return eventstore::fail(Code::unavailable, "the " + spec.what + " at '" + spec.path +
                                                     "' is in use by another process: " + s.ToString());
    return std::unexpected(to_error(s, "opening the " + spec.what + " at '" + spec.path + "'"));
  }
  self->db_.reset(raw);
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
