#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <regex>
#include <set>
#include <thread>
#include <vector>

#include "tests/support/eventually.h"
#include "tests/support/faulty_file_system.h"
#include "tests/support/http_client.h"
#include "tests/support/mailboxd_process.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_server.h"

using namespace mailbox;
using testing::http_call;

namespace {

std::string send_body(int i) {
  return R"({"user":"01012345678","receiver":"01099998888","text":"full )" + std::to_string(i) + " " +
         std::string(400, 'x') + R"("})";
}

// The message id of a 201 answer to POST /mobiles.
std::string message_id(const std::string& body) {
  std::smatch m;
  return std::regex_search(body, m, std::regex(R"re("id"\s*:\s*"([^"]+)")re")) ? m[1].str() : std::string();
}

// Whether this process may mount a file system of its own (a tmpfs inside unshare -m).
bool can_mount(const testing::TempDir& dir) {
  const std::string probe = dir.sub("probe");
  std::filesystem::create_directories(probe);
  auto r = testing::run_process("/usr/bin/unshare",
                                {"--mount", "--propagation", "private", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs \"$1\"",
                                 "probe", probe});
  return r.exit_code == 0;
}

// What a disk-full answer must be: 507 problem+json disk_full, Retry-After.
void check_disk_full_answer(const testing::HttpReply& r) {
  CHECK(r.status == 507);
  CHECK(r.header("content-type") == "application/problem+json");
  CHECK(r.body.find("\"code\":\"disk_full\"") != std::string::npos);
  CHECK(r.header("retry-after") == "5");
}

}  // namespace

TEST_CASE("on a disk full by injection sends get 507 disk_full with Retry-After, reads and /readyz answer, and sends are taken again without a restart") {
  auto [fs, env] = testing::FaultyFileSystem::make();
  testing::TestServer s({}, nullptr, nullptr, env.get());
  auto first = http_call(s.port(), "POST", "/mobiles", send_body(0));
  REQUIRE(first.status == 201);
  const std::string first_id = message_id(first.body);
  REQUIRE(http_call(s.port(), "GET", "/readmails/" + first_id).status == 200);

  fs->fill_disk(true);
  check_disk_full_answer(http_call(s.port(), "POST", "/mobiles", send_body(1)));
  check_disk_full_answer(http_call(s.port(), "POST", "/mobiles", send_body(2)));  // at once, still full
  auto read = http_call(s.port(), "GET", "/readmails?receiver=01099998888&wait_ms=0");
  CHECK(read.status == 200);
  CHECK(read.body.find(first_id) != std::string::npos);
  auto ready = http_call(s.port(), "GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.body.find("\"code\":\"disk_full\"") != std::string::npos);
  CHECK(ready.body.find("the disk is full") != std::string::npos);

  fs->fill_disk(false);
  REQUIRE_MESSAGE(testing::eventually([&] { return http_call(s.port(), "GET", "/readyz").status == 200; },
                                      std::chrono::seconds(15), std::chrono::milliseconds(50)),
                  "not ready again: " << http_call(s.port(), "GET", "/readyz").body);
  auto later = http_call(s.port(), "POST", "/mobiles", send_body(3));
  REQUIRE(later.status == 201);
  CHECK(http_call(s.port(), "GET", "/readmails/" + message_id(later.body)).status == 200);
  CHECK(http_call(s.port(), "GET", "/readmails/" + first_id).status == 200);
}

TEST_CASE("mailboxd on a full tmpfs answers 507 disk_full instead of aborting, keeps reading, loses nothing acknowledged, and takes sends again once space is freed") {
  testing::TempDir dir;
  if (!can_mount(dir)) {
    MESSAGE("mounting a tmpfs inside unshare -m is refused here: the disk-full case runs with ENOSPC injected only");
    return;
  }
  // A 64 MB tmpfs, in a mount namespace of mailboxd's own (gone with it), nearly filled
  // by a ballast file before mailboxd starts.
  const std::string disk = dir.sub("disk");
  std::filesystem::create_directories(disk);
  const std::string script =
      "mount -t tmpfs -o size=64m tmpfs \"$1\" && head -c 60m /dev/zero > \"$1/ballast\" && "
      "exec \"$2\" --data \"$1/data\" --listen 127.0.0.1:0";
  testing::DrainedMailboxd m(testing::wait_listening(std::make_unique<testing::ChildProcess>(
      "/usr/bin/unshare", std::vector<std::string>{"--mount", "--propagation", "private", "sh", "-c", script,
                                                   "mailboxd-on-tmpfs", disk, MAILBOXD_PATH})));
  // The tmpfs as this process sees it: through mailboxd's own root.
  const std::string ballast = "/proc/" + std::to_string(m.pid()) + "/root" + disk + "/ballast";
  REQUIRE(std::filesystem::exists(ballast));

  // Sends from four threads until the disk is full.
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::vector<testing::HttpReply> full;
  std::atomic<int> next{0}, other{0};
  std::string broken;  // what ended a sender early (mailboxd gone)
  std::vector<std::thread> senders;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (int t = 0; t < 4; ++t)
    senders.emplace_back([&] {
      for (;;) {
        {
          std::lock_guard lock(mutex);
          if (full.size() >= 8 || std::chrono::steady_clock::now() > deadline) return;
        }
        testing::HttpReply r;
        try {
          r = http_call(m.port, "POST", "/mobiles", send_body(next++));
        } catch (const std::exception& e) {
          std::lock_guard lock(mutex);
          broken = e.what();
          return;
        }
        std::lock_guard lock(mutex);
        if (r.status == 201) acknowledged.push_back(message_id(r.body));
        else if (r.status == 507) full.push_back(r);
        else ++other;
      }
    });
  for (auto& t : senders) t.join();
  if (!broken.empty()) {
    const auto gone = m.stop();
    FAIL("mailboxd stopped answering (" << broken << "), exit " << gone.exit_code << ": "
                                        << gone.err.substr(gone.err.size() > 2000 ? gone.err.size() - 2000 : 0));
  }
  REQUIRE_MESSAGE(!full.empty(), "the disk never filled up after " << acknowledged.size() << " sends");
  MESSAGE(acknowledged.size() << " sends stored before the disk was full");
  CHECK(other == 0);
  check_disk_full_answer(full.front());

  // Reads go on; readiness says why sends are refused.
  auto read = http_call(m.port, "GET", "/readmails?receiver=01099998888&wait_ms=0");
  CHECK(read.status == 200);
  auto ready = http_call(m.port, "GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.body.find("\"code\":\"disk_full\"") != std::string::npos);
  check_disk_full_answer(http_call(m.port, "POST", "/mobiles", send_body(-1)));

  // Space freed: sends are taken again, without a restart.
  REQUIRE(std::filesystem::remove(ballast));
  REQUIRE_MESSAGE(testing::eventually([&] { return http_call(m.port, "GET", "/readyz").status == 200; },
                                      std::chrono::seconds(20), std::chrono::milliseconds(100)),
                  "not ready again: " << http_call(m.port, "GET", "/readyz").body);
  auto later = http_call(m.port, "POST", "/mobiles", send_body(-2));
  REQUIRE(later.status == 201);
  acknowledged.push_back(message_id(later.body));

  // Nothing acknowledged is lost: each message is in its receiver's mailbox.
  int missing = 0;
  for (const auto& id : acknowledged)
    if (http_call(m.port, "GET", "/readmails/" + id).status != 200) ++missing;
  CHECK_MESSAGE(missing == 0, missing << " of " << acknowledged.size() << " acknowledged messages are missing");
  const auto result = m.stop();
  CHECK(result.exit_code == 0);
  CHECK(result.err.find("Assertion") == std::string::npos);
}
