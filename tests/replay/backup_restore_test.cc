// mailbox-replay restore and backups, the real binary, on backups the engine took:
// damaged backups refused, a non-empty folder kept unless --force, listing and pruning.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "tests/support/engine_fixture.h"
#include "tests/support/process.h"

using namespace mailbox;
using testing::EngineFixture;
using testing::run_process;
using testing::TempDir;
namespace fs = std::filesystem;

namespace {

const std::string kReplay = MAILBOX_REPLAY_PATH;

void send_some(EngineFixture& f, int n) {
  for (int i = 0; i < n; ++i) f.send("01010000000", "0102000000" + std::to_string(i % 3), "m" + std::to_string(i));
}

std::uint64_t head_of(const std::string& data) {
  eventstore::StoreOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  return eventstore::EventStore::open(data + "/log", options).value()->head();
}

// The backup's largest table file, by its manifest.
std::string largest_table(const fs::path& backup) {
  std::string largest;
  std::uint64_t bytes = 0;
  const backup::Manifest manifest = backup::read_manifest(backup).value();
  for (const auto& f : manifest.files)
    if (f.path.ends_with(".sst") && f.bytes > bytes) largest = f.path, bytes = f.bytes;
  REQUIRE(!largest.empty());
  return largest;
}

}  // namespace

TEST_CASE("restore refuses a damaged backup, naming the file and what is wrong, and restores nothing") {
  EngineFixture f;
  send_some(f, 30);
  TempDir root;
  const auto taken = f.engine->take_backup(root.sub("backups")).value();
  const std::string largest = largest_table(taken.path);

  struct Case {
    std::string damage;
    std::function<void(const fs::path&)> apply;
    std::string says;
    int exit_code = 1;
  };
  const std::vector<Case> cases = {
      {"a file truncated", [&](const fs::path& b) { fs::resize_file(b / largest, fs::file_size(b / largest) / 2); },
       largest + " is "},
      {"a byte changed", [&](const fs::path& b) {
         std::fstream file(b / largest, std::ios::in | std::ios::out | std::ios::binary);
         file.seekg(static_cast<std::streamoff>(fs::file_size(b / largest) / 2));
         const char c = static_cast<char>(file.peek());
         file.seekp(static_cast<std::streamoff>(fs::file_size(b / largest) / 2));
         file.put(static_cast<char>(c ^ 0x5a));
       }, largest + " does not match its SHA-256"},
      {"a file missing", [](const fs::path& b) { fs::remove(b / "log/CURRENT"); }, "log/CURRENT is missing"},
      {"a file added", [](const fs::path& b) { std::ofstream(b / "log/000999.log") << "stray"; },
       "log/000999.log is not in the manifest"},
      {"no manifest", [](const fs::path& b) { fs::remove(b / "manifest.json"); }, "not a backup, or an incomplete one", 2},
  };
  int n = 0;
  for (const auto& c : cases) {
    CAPTURE(c.damage);
    // A copy of its own: the backup's table files are hard links to the log's.
    const fs::path copy = root.path() / ("damaged-" + std::to_string(++n));
    fs::copy(taken.path, copy, fs::copy_options::recursive);
    c.apply(copy);
    const std::string target = root.sub("restored-" + std::to_string(n));
    const auto r = run_process(kReplay, {"restore", "--from", copy.string(), "--data", target});
    CHECK(r.exit_code == c.exit_code);
    CHECK_MESSAGE(r.err.find(c.says) != std::string::npos, r.err);
    CHECK_MESSAGE(r.err.find("nothing was restored") != std::string::npos, r.err);
    if (c.exit_code == 1) CHECK_MESSAGE(r.err.find("is damaged") != std::string::npos, r.err);
    CHECK_MESSAGE(!fs::exists(target), "restore made " << target);
  }
  // The same backup undamaged restores.
  const auto fine = run_process(kReplay, {"restore", "--from", taken.path.string(), "--data", root.sub("restored")});
  CHECK_MESSAGE(fine.exit_code == 0, fine.out << fine.err);
  CHECK(head_of(root.sub("restored")) == taken.last_position);
}

TEST_CASE("restore into a folder that is not empty needs --force, which replaces only a stopped data folder's log and views") {
  TempDir root;
  EngineFixture f;
  send_some(f, 5);
  const auto taken = f.engine->take_backup(root.sub("backups")).value();
  send_some(f, 5);
  const std::string from = taken.path.string(), data = f.dir.str();

  const auto held = run_process(kReplay, {"restore", "--from", from, "--data", data, "--force"});
  CHECK(held.exit_code == 1);
  CHECK_MESSAGE(held.err.find("in use by a running mailboxd") != std::string::npos, held.err);
  f.engine.reset();  // stopped
  const std::uint64_t later = head_of(data);
  REQUIRE(later > taken.last_position);

  const auto refused = run_process(kReplay, {"restore", "--from", from, "--data", data});
  CHECK(refused.exit_code == 2);
  CHECK_MESSAGE(refused.err.find("is not empty; --force replaces") != std::string::npos, refused.err);
  CHECK(head_of(data) == later);

  const auto forced = run_process(kReplay, {"restore", "--from", from, "--data", data, "--force"});
  CHECK_MESSAGE(forced.exit_code == 0, forced.out << forced.err);
  CHECK(head_of(data) == taken.last_position);

  const std::string other = root.sub("other");
  fs::create_directories(other);
  std::ofstream(other + "/notes.txt") << "keep me";
  const auto foreign = run_process(kReplay, {"restore", "--from", from, "--data", other, "--force"});
  CHECK(foreign.exit_code == 2);
  CHECK_MESSAGE(foreign.err.find("holds 'notes.txt'") != std::string::npos, foreign.err);
  CHECK(fs::exists(other + "/notes.txt"));
}

TEST_CASE("backups lists each backup with its last position, size and age, as a table and as JSON, and --keep N removes all but the newest N") {
  EngineFixture f;
  TempDir root;
  const std::string dir = root.sub("backups");
  std::vector<backup::Taken> taken;
  for (int i = 0; i < 3; ++i) {
    send_some(f, 3);
    taken.push_back(f.engine->take_backup(dir).value());
  }
  fs::create_directories(dir + "/.incomplete-abc123");
  fs::create_directories(dir + "/notes");

  const auto listed = run_process(kReplay, {"backups", "--dir", dir, "--json", root.sub("list.json")});
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
  CHECK(listed.out.starts_with("| name | last position | size (bytes) | age |"));
  std::size_t at = 0;
  for (const auto& t : taken) {
    const std::string row = "| " + t.name + " | " + std::to_string(t.last_position) + " | " + std::to_string(t.bytes) + " | ";
    const auto found = listed.out.find(row);
    CHECK_MESSAGE(found != std::string::npos, row << " in\n" << listed.out);
    CHECK_MESSAGE(found >= at, "oldest first");
    at = found;
  }
  CHECK_MESSAGE(listed.err.find(".incomplete-abc123, notes") != std::string::npos, listed.err);
  std::ifstream json_file(root.sub("list.json"));
  const std::string json((std::istreambuf_iterator<char>(json_file)), std::istreambuf_iterator<char>());
  for (const auto& t : taken)
    CHECK_MESSAGE(json.find(R"({"name":")" + t.name + R"(","path":")" + t.path.string() + R"(","last_position":)" +
                            std::to_string(t.last_position) + R"(,"events":)" + std::to_string(t.events) +
                            R"(,"bytes":)" + std::to_string(t.bytes)) != std::string::npos,
                  json);

  CHECK(run_process(kReplay, {"backups", "--dir", dir, "--keep", "0"}).exit_code == 2);
  const auto pruned = run_process(kReplay, {"backups", "--dir", dir, "--keep", "1"});
  CHECK_MESSAGE(pruned.exit_code == 0, pruned.err);
  CHECK(pruned.out.find("removed " + taken[0].name + "\nremoved " + taken[1].name + "\n") != std::string::npos);
  CHECK(!fs::exists(taken[0].path));
  CHECK(!fs::exists(taken[1].path));
  CHECK(fs::exists(taken[2].path));
  CHECK(fs::exists(dir + "/.incomplete-abc123"));
  CHECK(fs::exists(dir + "/notes"));
  CHECK(run_process(kReplay, {"backups", "--dir", dir}).out.find(taken[0].name) == std::string::npos);
}
