// mailboxd's flags for other services: payment and webhook URLs, and the CA file that
// https:// ones are trusted with; and the backup folder.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include "server/config.h"
#include "tests/support/parse_flags.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;

namespace {

std::variant<server::Config, server::ConfigExit> parse(std::vector<std::string> args) {
  return testing::parse_flags(std::move(args));
}

}  // namespace

TEST_CASE("payment and webhook URLs may be http:// or https://, anything else is exit 2 naming the flag and both schemes") {
  struct Case {
    std::vector<std::string> args;
    const char* refused_flag;  // nullptr: accepted
  } cases[] = {
      {{"--payment-url", "http://127.0.0.1:9000/pay"}, nullptr},
      {{"--payment-url", "https://pay.example/charge"}, nullptr},
      {{"--alarm-webhook", "http://127.0.0.1:9001/alarms"}, nullptr},
      {{"--alarm-webhook", "https://hooks.example/alarms"}, nullptr},
      {{"--payment-url", "ftp://pay.example/charge"}, "--payment-url"},
      {{"--payment-url", "pay.example/charge"}, "--payment-url"},
      {{"--alarm-webhook", "HTTPS://hooks.example/alarms"}, "--alarm-webhook"},
      {{"--alarm-webhook", "wss://hooks.example/alarms"}, "--alarm-webhook"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args[1]);
    const auto parsed = parse(c.args);
    if (!c.refused_flag) {
      REQUIRE(std::holds_alternative<server::Config>(parsed));
      const auto& config = std::get<server::Config>(parsed);
      CHECK((c.args[0] == "--payment-url" ? config.payment_url : config.alarm_webhook) == c.args[1]);
      continue;
    }
    REQUIRE(std::holds_alternative<server::ConfigExit>(parsed));
    const auto& exit = std::get<server::ConfigExit>(parsed);
    CHECK(exit.code == 2);
    CHECK(exit.message.find(c.refused_flag) != std::string::npos);
    CHECK(exit.message.find("'" + c.args[1] + "'") != std::string::npos);
    CHECK(exit.message.find("http://") != std::string::npos);
    CHECK(exit.message.find("https://") != std::string::npos);
  }
}

TEST_CASE("--ca-file names the PEM file https:// calls trust besides the system store, none by default") {
  CHECK(std::get<server::Config>(parse({})).ca_file.empty());
  CHECK(std::get<server::Config>(parse({"--ca-file", "/etc/mailbox/ca.pem"})).ca_file == "/etc/mailbox/ca.pem");
  CHECK(std::get<server::ConfigExit>(parse({"--help"})).message.find("--ca-file") != std::string::npos);
}

TEST_CASE("--backup-dir names the folder POST /admin/backup writes into, from the flag or MAILBOX_BACKUP_DIR, none by default, and a file is refused") {
  CHECK(std::get<server::Config>(parse({})).backup_dir.empty());
  CHECK(std::get<server::Config>(parse({"--backup-dir", "/srv/mailbox-backups"})).backup_dir == "/srv/mailbox-backups");
  ::setenv("MAILBOX_BACKUP_DIR", "/from/env", 1);
  CHECK(std::get<server::Config>(parse({})).backup_dir == "/from/env");
  CHECK(std::get<server::Config>(parse({"--backup-dir", "/from/flag"})).backup_dir == "/from/flag");
  ::unsetenv("MAILBOX_BACKUP_DIR");
  testing::TempDir dir;
  const std::string file = dir.str() + "/a-file";
  std::ofstream(file) << "not a folder";
  const auto refused = std::get<server::ConfigExit>(parse({"--backup-dir", file}));
  CHECK(refused.code == 2);
  CHECK(refused.message.find("--backup-dir '" + file + "' is not a folder") != std::string::npos);
  CHECK(std::get<server::ConfigExit>(parse({"--help"})).message.find("--backup-dir") != std::string::npos);
}

TEST_CASE("a CA file that cannot be used stops mailboxd at start: exit 2, one line on stderr, from the flag or MAILBOX_CA_FILE") {
  testing::TempDir dir;
  const std::string missing = dir.sub("missing.pem");
  const std::string not_pem = dir.sub("not-a-ca.pem");
  { std::ofstream(not_pem) << "not a certificate\n"; }
  const std::string data = dir.sub("data");
  struct Case {
    std::string program;
    std::vector<std::string> args;
    std::string reason;
  } cases[] = {
      {MAILBOXD_PATH, {"--ca-file", missing, "--data", data}, missing + ": No such file or directory"},
      {MAILBOXD_PATH, {"--ca-file", not_pem, "--data", data}, not_pem + ": no certificate"},
      // Through env(1), so that this process's environment is left alone.
      {"/usr/bin/env", {"MAILBOX_CA_FILE=" + missing, MAILBOXD_PATH, "--data", data}, missing},
  };
  for (const auto& c : cases) {
    CAPTURE(c.args[0]);
    const auto r = testing::ChildProcess(c.program, c.args).wait(std::chrono::seconds(10));
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("mailboxd: --ca-file: cannot load CA file " + c.reason) != std::string::npos, r.err);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.out.find("listening") == std::string::npos);
    CHECK_FALSE(std::filesystem::exists(data));  // the data folder was not even opened
  }
}
