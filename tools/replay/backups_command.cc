// mailbox-replay backups: lists the backups in a backup folder, and prunes old ones.
#include <ctime>
#include <filesystem>

#include "app/backup/backups.h"
#include "app/json_writer.h"
#include "tools/replay/commands.h"
#include "tools/replay/options.h"
#include "tools/replay/table.h"

namespace mailbox::replay {

namespace {

// "45s", "12m", "3h 12m", "2d 4h": enough to tell backups apart at a glance.
std::string age_text(std::int64_t seconds) {
  if (seconds < 60) return std::to_string(std::max<std::int64_t>(seconds, 0)) + "s";
  if (seconds < 3600) return std::to_string(seconds / 60) + "m";
  if (seconds < 86400) return std::to_string(seconds / 3600) + "h " + std::to_string(seconds % 3600 / 60) + "m";
  return std::to_string(seconds / 86400) + "d " + std::to_string(seconds % 86400 / 3600) + "h";
}

}  // namespace

int backups_command(const std::vector<std::string>& args) {
  std::string dir, json;
  std::size_t keep = 0;
  po::options_description flags(
      "mailbox-replay backups: list the backups in a backup folder (as mailboxd --backup-dir), oldest\n"
      "first; with --keep N, remove all but the newest N. Files are not checked here: restore checks them.\n\n"
      "Usage: mailbox-replay backups --dir DIR [--keep N] [--json FILE]\n\nOptions");
  flags.add_options()("dir", po::value(&dir)->required(), "the backup folder")(
      "keep", po::value(&keep), "remove all backups but the newest N (N >= 1)")(
      "json", po::value(&json), "also write the list (after pruning) as JSON to FILE");
  po::variables_map vm;
  if (auto exit = parse_flags("backups", args, flags, vm)) return *exit;
  if (vm.count("keep") && keep < 1) return fail("backups", 2, "--keep must be at least 1");

  auto listing = backup::list_backups(dir);
  if (!listing) return fail("backups", listing.error().code == app::Code::not_found ? 2 : 1, listing.error().message);
  auto& backups = listing->backups;
  int exit = 0;
  if (vm.count("keep") && backups.size() > keep) {
    const std::size_t drop = backups.size() - keep;
    for (std::size_t i = 0; i < drop; ++i) {
      std::error_code ec;
      std::filesystem::remove_all(backups[i].path, ec);
      if (ec) {
        std::fprintf(stderr, "mailbox-replay backups: cannot remove %s: %s\n", backups[i].path.c_str(),
                     ec.message().c_str());
        exit = 1;
      } else {
        std::printf("removed %s\n", backups[i].manifest.name.c_str());
      }
    }
    backups.erase(backups.begin(), backups.begin() + static_cast<std::ptrdiff_t>(drop));
  }

  const std::int64_t now = std::time(nullptr);
  Table table{{"name", "last position", "size (bytes)", "age"}, {}};
  app::JsonWriter w;
  w.begin_array();
  for (const auto& b : backups) {
    const auto& m = b.manifest;
    table.rows.push_back({m.name, std::to_string(m.last_position), std::to_string(m.bytes()),
                          age_text(now - m.created_unix)});
    w.begin_object().field("name", m.name).field("path", b.path.string()).field("last_position", m.last_position);
    w.field("events", m.events).field("bytes", m.bytes()).field("created_unix", static_cast<std::int64_t>(m.created_unix));
    w.field("age_seconds", static_cast<std::int64_t>(now - m.created_unix)).end_object();
  }
  w.end_array();
  table.print();
  if (!listing->others.empty()) {
    std::string names;
    for (const auto& n : listing->others) names += (names.empty() ? "" : ", ") + n;
    std::fprintf(stderr,
                 "mailbox-replay backups: not whole backups, left alone: %s (a name starting with .incomplete- is "
                 "a backup in progress, or one a crash cut short)\n",
                 names.c_str());
  }
  if (int failed = write_json_file("backups", json, w.str())) return failed;
  return exit;
}

}  // namespace mailbox::replay
