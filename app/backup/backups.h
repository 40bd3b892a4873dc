#pragma once
// Backups of the log in a backup folder: taking one while appends go on, and listing
// them. Each backup is a folder named by its UTC time and last position, e.g.
// `20261126T050102Z-12345`, holding log/ (a consistent copy of the log database) and
// manifest.json (manifest.h). The views are not backed up: they are rebuilt from the
// log. A backup is made under a name starting with ".incomplete-" and renamed once
// whole, so a crash never leaves a half backup that looks whole.

#include <cstdint>
#include <filesystem>
#include <stop_token>
#include <string>
#include <vector>

#include "app/backup/manifest.h"
#include "app/backup/errors.h"
#include "core/eventstore/event_store.h"

namespace mailbox::backup {

inline constexpr std::string_view kIncompletePrefix = ".incomplete-";

struct Taken {
  std::string name;
  std::filesystem::path path;
  std::uint64_t last_position = 0;
  std::uint64_t events = 0;
  std::uint64_t bytes = 0;  // of the files in the backup (hard-linked ones counted whole)
  double seconds = 0;
};

// Copies the log into a new backup folder under dir (created when missing), checksums
// every file, writes the manifest, syncs, and renames the folder to its name. Appends go
// on meanwhile; the backup holds every event up to its last position and none after.
// A stop request (shutdown) ends it early and leaves nothing behind. Blocks for the
// copy (hard links on dir's file system, else copies) and a read of every file.
// Errors: unavailable (I/O, e.g. a full disk, or a stop request), the log's copy_to's.
// REQUIRES: one backup at a time into one dir. Any thread but the log's writer.
Result<Taken> take_backup(const eventstore::EventStore& log, const std::filesystem::path& dir,
                          const std::stop_token& stop = {});

// Copies the backup's log (the manifest's files, from the backup in folder) into `to`,
// a folder made for it, and syncs every file and folder: what a restore makes the data
// folder's log/ of. REQUIRES: check_backup(folder) passed. Errors: unavailable (I/O).
Status copy_log(const std::filesystem::path& folder, const Manifest& manifest, const std::filesystem::path& to);

struct Listed {
  std::filesystem::path path;
  Manifest manifest;
};

struct Listing {
  std::vector<Listed> backups;      // whole backups, oldest first
  std::vector<std::string> others;  // folders that are not whole backups (incomplete, or without a readable manifest)
};

// The backups in dir, by their manifests (files are not checked: see check_backup).
// Errors: not_found (no such folder), unavailable (it cannot be listed).
Result<Listing> list_backups(const std::filesystem::path& dir);

}  // namespace mailbox::backup
