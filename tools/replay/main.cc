// mailbox-replay: rebuild, verify, inspect and restore a mailbox data folder from the command line.
#include <cstdio>
#include <string>
#include <vector>

#include "tools/replay/commands.h"

namespace {

const char* kUsage =
    "mailbox-replay: rebuild, verify and inspect a Mailbox data folder; restore one from a backup\n\n"
    "Usage: mailbox-replay COMMAND --data DIR [options]\n\n"
    "Commands:\n"
    "  rebuild   rebuild views from the log, offline (refused while mailboxd runs)\n"
    "  verify    rebuild views elsewhere and compare with the live ones (exit 1 on a difference)\n"
    "  dump      print the log as JSON lines; --follow keeps going; --format seed for the old Kafka shape\n"
    "  stats     events per type, streams, head, size on disk, checkpoints and lag\n"
    "  restore   make a data folder from a backup (--from BACKUP_FOLDER), rebuild and verify its views\n"
    "  backups   list the backups in a backup folder (--dir DIR); --keep N removes all but the newest N\n\n"
    "mailbox-replay COMMAND --help shows a command's options. Exit codes: 0 done, 1 failed\n"
    "(or views differ), 2 usage error or a missing or foreign data folder.\n";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "%s", kUsage);
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  using namespace mailbox::replay;
  if (command == "--help" || command == "-h" || command == "help") {
    std::printf("%s", kUsage);
    return 0;
  }
  if (command == "rebuild") return rebuild_command(args);
  if (command == "verify") return verify_command(args);
  if (command == "dump") return dump_command(args);
  if (command == "stats") return stats_command(args);
  if (command == "restore") return restore_command(args);
  if (command == "backups") return backups_command(args);
  std::fprintf(stderr, "mailbox-replay: unknown command '%s' (see mailbox-replay --help)\n", command.c_str());
  return 2;
}
