#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "tests/support/mailboxd_process.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;

namespace {

// The names of a process's threads, as top -H and perf show them.
std::multiset<std::string> thread_names(pid_t pid) {
  std::multiset<std::string> names;
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task")) {
    std::string name;
    std::getline(std::ifstream(task.path() / "comm"), name);
    names.insert(name);
  }
  return names;
}

}  // namespace

TEST_CASE("mailboxd names its threads by role: writer, http, each view, each policy") {
  testing::TempDir dir;
  auto m = testing::start_mailboxd(MAILBOXD_PATH, {"--data", dir.str(), "--threads", "2"});
  const auto names = thread_names(m.process->pid());
  INFO("threads: ", [&] {
    std::string all;
    for (const auto& n : names) all += n + " ";
    return all;
  }());
  for (const char* role : {"writer", "http-0", "http-1", "view-readmails", "view-sentmails", "view-alarms",
                           "mailbox-policy", "alarm-policy", "waiters", "continuations"})
    CHECK(names.count(role) == 1);
}
