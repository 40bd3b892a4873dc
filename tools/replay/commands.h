#pragma once
// The subcommands of mailbox-replay. Each takes its own arguments (after the
// subcommand's name) and returns the process exit code: 0 done, 1 failed (or, for
// verify, views differ), 2 usage error or missing/foreign data folder.

#include <string>
#include <vector>

namespace mailbox::replay {

int rebuild_command(const std::vector<std::string>& args);
int verify_command(const std::vector<std::string>& args);
int dump_command(const std::vector<std::string>& args);
int stats_command(const std::vector<std::string>& args);
int restore_command(const std::vector<std::string>& args);
int backups_command(const std::vector<std::string>& args);

}  // namespace mailbox::replay
