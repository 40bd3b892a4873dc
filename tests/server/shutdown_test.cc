#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <regex>
#include <thread>

#include "app/engine.h"
#include "tests/support/eventually.h"
#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::HttpConnection;
using testing::TempDir;

namespace {

struct Process {
  pid_t pid = -1;
  int out = -1;
};

// Starts mailboxd on an ephemeral port and returns the port it printed.
std::uint16_t start_mailboxd(const std::string& data, Process& p) {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  p.pid = ::fork();
  REQUIRE(p.pid >= 0);
  if (p.pid == 0) {
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close(fds[0]);
    ::close(fds[1]);
    ::execl(MAILBOXD_PATH, MAILBOXD_PATH, "--data", data.c_str(), "--listen", "127.0.0.1:0", "--log-level", "info",
            nullptr);
    std::_Exit(127);
  }
  ::close(fds[1]);
  p.out = fds[0];
  std::string seen;
  const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  std::smatch m;
  char c;
  while (::read(p.out, &c, 1) == 1) {
    seen += c;
    if (c == '\n' && std::regex_search(seen, m, listening)) return static_cast<std::uint16_t>(std::stoi(m[1]));
  }
  FAIL("mailboxd did not start: " << seen);
  return 0;
}

}  // namespace

TEST_CASE("SIGTERM with requests in flight: mailboxd exits 0 in time, and every message answered 201 is in the log") {
  TempDir dir;
  Process p;
  const std::uint16_t port = start_mailboxd(dir.str(), p);
  // Keep reading its output: a full pipe would block its logging.
  std::thread drain_output([fd = p.out] {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) {
      std::string_view text(buf, static_cast<std::size_t>(n));
      if (text.find("mailboxd:") != std::string_view::npos) MESSAGE(std::string(text));
    }
  });

  std::mutex mutex;
  std::vector<std::string> accepted;
  std::atomic<bool> stop{false};
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&, t] {
      while (!stop) {
        try {
          HttpConnection c(port);
          for (int i = 0; !stop; ++i) {
            auto r = c.call("POST", "/mobiles",
                            R"({"user":"0101234567)" + std::to_string(t) + R"(","receiver":"01099998888","text":"n)" +
                                std::to_string(i) + R"("})");
            if (r.status != 201) break;
            const auto at = r.body.find("\"id\":\"") + 6;
            std::lock_guard lock(mutex);
            accepted.push_back(r.body.substr(at, r.body.find('"', at) - at));
            ++answered;
          }
        } catch (const std::exception&) {
          // Refused or closed while the server goes away: not answered, not counted.
        }
        if (!stop) std::this_thread::sleep_for(1ms);  // reconnect pace
      }
    });
  REQUIRE_MESSAGE(testing::eventually([&] { return answered >= 200; }, 20s), "sends were not answered");

  const auto signalled = std::chrono::steady_clock::now();
  REQUIRE(::kill(p.pid, SIGTERM) == 0);
  int status = 0;
  bool exited_in_time = true;
  while (::waitpid(p.pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() - signalled > 10s) {
      exited_in_time = false;
      ::kill(p.pid, SIGKILL);
    }
    std::this_thread::sleep_for(10ms);
  }
  CHECK(exited_in_time);
  stop = true;
  for (auto& t : clients) t.join();
  drain_output.join();  // the pipe ends with the process
  ::close(p.out);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);

  app::EngineOptions options;
  options.data_dir = dir.str();
  auto engine = std::move(app::Engine::open(options).value());
  MESSAGE(accepted.size() << " messages answered 201 before and during shutdown");
  REQUIRE(accepted.size() >= 200);
  for (const auto& id : accepted) {
    CAPTURE(id);
    CHECK(engine->log().stream_version(app::message_stream(id)).value() >= 1);
  }
}
