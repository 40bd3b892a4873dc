// mailbox-replay restore: makes a data folder from a backup, then rebuilds and verifies
// its views, so that mailboxd starts on it as on any data folder.
#include <filesystem>

#include "app/backup/backups.h"
#include "core/eventstore/event_store.h"
#include "tools/replay/commands.h"
#include "tools/replay/options.h"

namespace mailbox::replay {

namespace fs = std::filesystem;

namespace {

// Where the log is copied, beside its place, before it is moved in.
constexpr std::string_view kCopying = ".restoring-log";

// What DIR may hold for --force to replace it: a data folder's log/ and views/ (and
// what an interrupted restore left).
bool only_data_folder(const fs::path& data, std::string& other) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(data, ec)) {
    const auto name = entry.path().filename().string();
    if (name != "log" && name != "views" && name != kCopying) {
      other = name;
      return false;
    }
  }
  return !ec;
}

}  // namespace

int restore_command(const std::vector<std::string>& args) {
  std::string from, data;
  bool force = false;
  po::options_description flags(
      "mailbox-replay restore: make a data folder from a backup (checked against its manifest first),\n"
      "rebuild its views and verify them. mailboxd then starts on it as usual.\n\n"
      "Usage: mailbox-replay restore --from BACKUP_FOLDER --data DIR [--force]\n\nOptions");
  flags.add_options()("from", po::value(&from)->required(), "one backup: a folder under mailboxd's --backup-dir")(
      "data", po::value(&data)->required(), "the data folder to make (empty or missing)")(
      "force", po::bool_switch(&force), "replace the log/ and views/ of DIR (mailboxd stopped)");
  po::variables_map vm;
  if (auto exit = parse_flags("restore", args, flags, vm)) return *exit;

  auto manifest = backup::check_backup(from);
  if (!manifest)
    return fail("restore", manifest.error().code == eventstore::Code::not_found ? 2 : 1,
                manifest.error().message + "; nothing was restored");
  const fs::path dir(data);
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    std::string other;
    if (!force) return fail("restore", 2, "'" + data + "' is not empty; --force replaces its log/ and views/");
    if (!only_data_folder(dir, other))
      return fail("restore", 2, "'" + data + "' holds '" + other + "', more than a data folder: restore elsewhere");
    if (fs::exists(dir / "log", ec)) {
      // A writable open takes the folder's lock: a running mailboxd makes it fail.
      eventstore::StoreOptions probe;
      probe.create_if_missing = false;
      auto held = eventstore::EventStore::open((dir / "log").string(), probe);
      if (!held && held.error().code == eventstore::Code::unavailable)
        return fail("restore", 1, "'" + data + "' is in use by a running mailboxd: stop it first");
    }
  }

  // Copied beside, then moved in: an interrupted restore leaves no log that looks whole.
  const fs::path copying = dir / kCopying;
  fs::remove_all(copying, ec);
  if (auto s = backup::copy_log(from, *manifest, copying); !s) {
    fs::remove_all(copying, ec);
    return fail("restore", 1, s.error().message);
  }
  for (const char* old : {"log", "views"}) fs::remove_all(dir / old, ec);
  fs::rename(copying, dir / "log", ec);
  if (ec) return fail("restore", 1, "cannot move the copied log into place: " + ec.message());
  {
    eventstore::StoreOptions options;
    options.create_if_missing = false;
    auto log = eventstore::EventStore::open((dir / "log").string(), options);
    if (!log) return fail("restore", 1, "the restored log does not open: " + log.error().message);
    if ((*log)->head() != manifest->last_position)
      return fail("restore", 1, "the restored log ends at position " + std::to_string((*log)->head()) +
                                    ", its manifest says " + std::to_string(manifest->last_position));
  }
  std::printf("restored %s: events 1 to %llu into %s; rebuilding the views\n", manifest->name.c_str(),
              static_cast<unsigned long long>(manifest->last_position), data.c_str());
  std::fflush(stdout);
  if (int exit = rebuild_command({"--data", data}); exit != 0) return exit;
  if (int exit = verify_command({"--data", data}); exit != 0) return exit;
  std::printf("done: mailboxd --data %s\n", data.c_str());
  return 0;
}

}  // namespace mailbox::replay
