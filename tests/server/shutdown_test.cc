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
#include "tests/support/engine_parts.h"
#include "tests/support/eventually.h"
#include "tests/support/hold.h"
#include "tests/support/http_client.h"
#include "tests/support/mailboxd_process.h"
#include "tests/support/stand_in.h"
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
  std::atomic<bool> stop{false}, signalled{false};
  std::atomic<int> answered{0}, answered_after_signal{0}, timeouts{0};
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
            if (signalled) ++answered_after_signal;  // in flight when SIGTERM came
          }
        } catch (const std::exception& e) {
          // Refused, reset or closed while the server goes away: not answered, not
          // counted. A request left hanging is a failure.
          if (std::string_view(e.what()).find("timed out") != std::string_view::npos) ++timeouts;
        }
        if (!stop) std::this_thread::sleep_for(1ms);  // reconnect pace
      }
    });
  REQUIRE_MESSAGE(testing::eventually([&] { return answered >= 200; }, 20s), "sends were not answered");

  signalled = true;
  REQUIRE(::kill(p.pid, SIGTERM) == 0);
  int status = 0;
  const bool exited_in_time =
      testing::eventually([&] { return ::waitpid(p.pid, &status, WNOHANG) == p.pid; }, 10s, 10ms);
  if (!exited_in_time) {
    ::kill(p.pid, SIGKILL);
    ::waitpid(p.pid, &status, 0);
  }
  CHECK(exited_in_time);
  stop = true;
  for (auto& t : clients) t.join();
  CHECK(answered_after_signal > 0);  // requests in flight at SIGTERM were answered
  CHECK(timeouts == 0);
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
    CHECK(testing::log_of(*engine).stream_version(app::message_stream(id)).value() >= 1);
  }
}

TEST_CASE("SIGTERM exits within --drain-timeout-ms with a rebuild running, a webhook hanging, live tails and payment calls waiting") {
  TempDir dir;
  {
    // A log long enough that a rebuild of the views runs for a while; each Saved calls
    // for an alarm, which the hanging webhook will hold.
    auto log = std::move(eventstore::EventStore::open(dir.sub("log")).value());
    for (int batch = 0; batch < 60; ++batch) {
      std::vector<eventstore::NewEvent> events;
      for (int i = 0; i < 1000; ++i) {
        const std::string id = std::to_string(batch) + "-" + std::to_string(i);
        events.push_back(app::to_new_event(app::Saved{id, "01012345678", "0109999" + std::to_string(1000 + i % 500),
                                                      "text " + id, app::now_us()}));
      }
      REQUIRE(log->append("prefill-" + std::to_string(batch), eventstore::ExpectedVersion::any(), std::move(events))
                  .has_value());
    }
  }
  testing::Hold webhook_hang(60s), payment_hang(60s);
  testing::StandIn webhook([&](const server::HttpRequest&) {
    webhook_hang.hold();
    return server::HttpResponse{};
  }, 20);
  testing::StandIn payment([&](const server::HttpRequest&) {
    payment_hang.hold();
    return server::HttpResponse{};
  }, 20);
  constexpr auto kDrain = 4000ms;
  auto server = testing::start_mailboxd(
      MAILBOXD_PATH, {"--data", dir.str(), "--alarm-webhook", webhook.url("/alarms"), "--payment-url",
                      payment.url("/pay"), "--payment-timeout-ms", "1000", "--drain-timeout-ms",
                      std::to_string(kDrain.count())});
  REQUIRE_MESSAGE(testing::eventually([&] { return testing::http_call(server.port, "GET", "/readyz").status == 200; },
                                      60s, 20ms),
                  "mailboxd never became ready");
  REQUIRE_MESSAGE(webhook_hang.wait_arrived(1, 10s), "no alarm reached the webhook");

  // Live tails, sends waiting on the payment service, and a rebuild, all in flight.
  std::vector<std::unique_ptr<HttpConnection>> open;
  for (int i = 0; i < 3; ++i) {
    open.push_back(std::make_unique<HttpConnection>(server.port));
    open.back()->send_raw(HttpConnection::request("GET", "/events/live"));
  }
  for (int i = 0; i < 40; ++i) {  // more than the payment gate's threads: most are queued
    open.push_back(std::make_unique<HttpConnection>(server.port));
    open.back()->send_raw(HttpConnection::request(
        "POST", "/mobiles", R"({"user":"01012345678","receiver":"01099998888","text":"paid )" + std::to_string(i) + R"("})"));
  }
  REQUIRE_MESSAGE(payment_hang.wait_arrived(1, 10s), "no payment call was made");
  open.push_back(std::make_unique<HttpConnection>(server.port));
  open.back()->send_raw(HttpConnection::request("POST", "/admin/rebuild?view=all"));
  REQUIRE(testing::eventually([&] {
    return testing::http_call(server.port, "GET", "/metrics").body.find("POST /admin/rebuild") == std::string::npos;
  }, 1s));  // the rebuild has not answered yet

  const auto signalled = std::chrono::steady_clock::now();
  server.process->signal(SIGTERM);
  const auto result = server.process->wait(kDrain + 5s);
  const auto took = std::chrono::steady_clock::now() - signalled;
  MESSAGE("exited after " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms");
  CHECK(took < kDrain + 500ms);
  CHECK_MESSAGE(result.exit_code == 0, result.out << result.err);
  CHECK(result.out.find("exiting now") == std::string::npos);
  CHECK(result.out.find("stopped") != std::string::npos);
  webhook_hang.release();
  payment_hang.release();
}
