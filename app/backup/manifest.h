#pragma once
// A backup's manifest: what a backup folder holds (each file with its size and
// SHA-256) and where its log ends. It is the file `manifest.json` at the top of the
// folder, written last, so that a folder is whole when its manifest says so:
//
//   {"format": "mailbox-backup/1", "name": "20261126T050102Z-12345",
//    "createdAt": "2026-11-26T05:01:02Z", "createdUnix": 1795669262,
//    "lastPosition": 12345, "events": 12345, "bytes": 1048576,
//    "files": [{"path": "log/000012.sst", "bytes": 1040000, "sha256": "…"}, …]}
//
// Paths are relative to the folder, with '/', and all lie under log/.

#include <cstdint>
#include <filesystem>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "app/backup/errors.h"

namespace mailbox::backup {

inline constexpr std::string_view kManifestFile = "manifest.json";
inline constexpr std::string_view kFormat = "mailbox-backup/1";
// The log's copy inside a backup folder: restored as the data folder's log/.
inline constexpr std::string_view kLogFolder = "log";

struct BackupFile {
  std::string path;  // relative to the backup folder, e.g. "log/000012.sst"
  std::uint64_t bytes = 0;
  std::string sha256;  // 64 lowercase hex digits
};

struct Manifest {
  std::string name;
  std::int64_t created_unix = 0;   // when the copy began, seconds since the epoch (UTC)
  std::uint64_t last_position = 0;  // the copy holds every position from 1 to this
  std::uint64_t events = 0;         // events in the copy (positions have no gaps: = last_position)
  std::vector<BackupFile> files;    // sorted by path
  std::uint64_t bytes() const;      // the files' sizes together
};

std::string to_json(const Manifest& manifest);
// A Unix time in UTC as strftime writes it with format, e.g. "%Y-%m-%dT%H:%M:%SZ".
std::string utc_time(std::int64_t unix_seconds, const char* format);
// Errors: invalid_argument naming what is wrong (not JSON, another format, a field
// missing, a path outside log/).
Result<Manifest> parse_manifest(std::string_view json);

// Every file under folder/log, with its size and SHA-256, sorted by path. Errors:
// unavailable (a file cannot be read), aborted (stop requested).
Result<std::vector<BackupFile>> describe_files(const std::filesystem::path& folder, const std::stop_token& stop = {});

// The manifest of the backup in folder. Errors: not_found (no manifest: not a backup,
// or an incomplete one), invalid_argument (a manifest that does not parse).
Result<Manifest> read_manifest(const std::filesystem::path& folder);

// Checks the backup in folder against its manifest: each file there with its size and
// checksum, and no other file under log/. Returns the manifest. Errors: read_manifest's,
// corruption naming the first file that differs and how. Cost: reads every file once.
Result<Manifest> check_backup(const std::filesystem::path& folder);

}  // namespace mailbox::backup
