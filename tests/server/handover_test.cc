// A restart on one machine, with the test playing systemd: it holds the listening
// socket and passes it to each mailboxd as fd 3 (socket activation), so that the
// connections made while one process drains and the next starts wait in its backlog.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "app/engine.h"
#include "tests/support/engine_parts.h"
#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/mailboxd_process.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::HttpConnection;
using testing::TempDir;

namespace {

// A listening socket, as mailboxd.socket holds one: close-on-exec here, passed to a
// child only as its fd 3.
struct ListeningSocket {
  int fd = -1;
  std::uint16_t port = 0;
  ListeningSocket(int family, int type, std::uint32_t ipv4 = INADDR_LOOPBACK, bool listening = true) {
    fd = ::socket(family, type | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    if (family == AF_UNIX) {
      const sa_family_t autobind = AF_UNIX;  // a name of the kernel's choice
      REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&autobind), sizeof autobind) == 0);
      REQUIRE(::listen(fd, SOMAXCONN) == 0);
      return;
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(ipv4);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    socklen_t size = sizeof address;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) == 0);
    port = ntohs(address.sin_port);
    if (listening) REQUIRE(::listen(fd, SOMAXCONN) == 0);
  }
  ~ListeningSocket() { ::close(fd); }
  ListeningSocket(const ListeningSocket&) = delete;
};

ListeningSocket loopback_listener() { return ListeningSocket(AF_INET, SOCK_STREAM); }

std::string message_id(const std::string& body) {
  const auto at = body.find("\"id\":\"") + 6;
  return body.substr(at, body.find('"', at) - at);
}

// Clients that send without pause, each as its own user: on a new connection per
// request, or on one kept-alive connection that is opened again when an answer says
// Connection: close. Any request that does not get a 201 is a failure, and so is a
// kept-alive connection closed without an answer.
class Senders {
 public:
  Senders(std::uint16_t port, int fresh, int kept_alive) {
    for (int t = 0; t < fresh + kept_alive; ++t) threads_.emplace_back([this, port, t, keep = t >= fresh] { run(port, t, keep); });
  }
  ~Senders() { stop(); }
  void stop() {
    stop_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
  }
  int answered() const { return answered_; }
  int reopened() const { return reopened_; }
  std::chrono::milliseconds longest() const { return std::chrono::milliseconds(longest_ms_.load()); }
  std::vector<std::string> failures() const {
    std::lock_guard lock(mutex_);
    return failures_;
  }
  std::vector<std::string> accepted() const {
    std::lock_guard lock(mutex_);
    return accepted_;
  }

 private:
  void run(std::uint16_t port, int t, bool keep_alive) {
    std::unique_ptr<HttpConnection> c;
    for (int i = 0; !stop_; ++i) {
      const std::string body = R"({"user":"0101234)" + std::to_string(5000 + t) + R"(","receiver":"01099998888","text":"n)" +
                               std::to_string(i) + R"("})";
      const auto began = std::chrono::steady_clock::now();
      try {
        if (!c) c = std::make_unique<HttpConnection>(port);
        const auto r = c->call("POST", "/mobiles", body);
        const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
        std::lock_guard lock(mutex_);
        longest_ms_ = std::max<long long>(longest_ms_, took.count());
        if (r.status != 201) {
          failures_.push_back("status " + std::to_string(r.status) + ": " + r.body);
        } else {
          accepted_.push_back(message_id(r.body));
          ++answered_;
        }
        if (!keep_alive) {
          c.reset();
        } else if (r.header("connection") == "close") {
          c.reset();
          ++reopened_;
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex_);
        failures_.push_back(std::string(keep_alive ? "kept-alive: " : "new connection: ") + e.what());
        c.reset();
      }
    }
  }

  std::vector<std::thread> threads_;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0}, reopened_{0};
  std::atomic<long long> longest_ms_{0};
  mutable std::mutex mutex_;  // guards failures_, accepted_
  std::vector<std::string> failures_, accepted_;
};

}  // namespace

TEST_CASE("a restart on an inherited socket refuses no connection and fails no request, and every 201 is in the log once") {
  constexpr auto kDrainTimeout = 4000ms;
  // The longest a request may wait across the restart: the first process's drain at
  // most, and the second's start (well under a second here; generous for a busy machine).
  constexpr auto kLongestWait = kDrainTimeout + 5s;
  TempDir dir;
  auto socket = loopback_listener();
  // --listen names another port: were it bound, the clients (on the socket's port)
  // would wait in vain.
  const std::vector<std::string> args{"--data", dir.str(), "--listen", "127.0.0.1:0", "--drain-timeout-ms",
                                      std::to_string(kDrainTimeout.count())};
  auto first = testing::start_mailboxd_on(MAILBOXD_PATH, args, socket.fd);
  CHECK(first.port == socket.port);
  CHECK(first.process->read_until("--listen is ignored", 1s).find("--listen is ignored") != std::string::npos);

  Senders senders(socket.port, 6, 3);
  HttpConnection idle(socket.port);  // kept alive, then idle across the SIGTERM
  REQUIRE(idle.call("GET", "/healthz").status == 200);
  REQUIRE_MESSAGE(testing::eventually([&] { return senders.answered() >= 100; }, 20s), "sends were not answered");

  first.process->signal(SIGTERM);
  // Closed once idle for kDrainingGrace, not when the drain gives up (3 s here).
  CHECK_MESSAGE(idle.closed_by_server(2s), "an idle kept-alive connection stayed open while draining");
  const auto stopped = first.process->wait(kDrainTimeout + 5s);
  CHECK_MESSAGE(stopped.exit_code == 0, stopped.out << stopped.err);
  CHECK(stopped.out.find("did not close in time") == std::string::npos);
  const int answered_by_first = senders.answered();
  auto second = testing::start_mailboxd_on(MAILBOXD_PATH, args, socket.fd);
  CHECK_MESSAGE(testing::eventually([&] { return senders.answered() >= answered_by_first + 100; }, 20s),
                "the second mailboxd did not answer");
  CHECK_MESSAGE(testing::eventually([&] { return testing::http_call(socket.port, "GET", "/readyz").status == 200; }, 20s),
                "the second mailboxd did not become ready");
  senders.stop();
  second.process->signal(SIGTERM);
  const auto second_stopped = second.process->wait(kDrainTimeout + 5s);
  CHECK_MESSAGE(second_stopped.exit_code == 0, second_stopped.out << second_stopped.err);

  const auto failures = senders.failures();
  for (std::size_t i = 0; i < std::min<std::size_t>(failures.size(), 5); ++i) MESSAGE("failed: " << failures[i]);
  CHECK(failures.empty());
  CHECK(senders.reopened() > 0);  // kept-alive clients were told Connection: close
  MESSAGE(senders.answered() << " sends answered 201 (" << answered_by_first << " by the first process); longest wait "
                             << senders.longest().count() << " ms, bound " << kLongestWait.count() << " ms");
  CHECK(senders.longest() < kLongestWait);

  app::EngineOptions options;
  options.data_dir = dir.str();
  auto engine = std::move(app::Engine::open(options).value());
  const auto accepted = senders.accepted();
  for (const auto& id : accepted) {
    CAPTURE(id);
    const auto events = testing::log_of(*engine).read_stream(app::message_stream(id), 1, 100).value();
    CHECK(std::count_if(events.begin(), events.end(), [](const auto& e) { return e.type == "Sent"; }) == 1);
  }
}

TEST_CASE("an inherited socket that mailboxd cannot serve is refused at start with what is wrong with it") {
  TempDir dir;
  struct Case {
    const char* what;
    ListeningSocket socket;
    std::vector<std::string> env;
    const char* says;
  } cases[] = {
      {"a UDP socket", ListeningSocket(AF_INET, SOCK_DGRAM, INADDR_LOOPBACK, false), {}, "is not a stream socket"},
      {"a TCP socket not listening", ListeningSocket(AF_INET, SOCK_STREAM, INADDR_LOOPBACK, false), {},
       "is a socket that is not listening"},
      {"a Unix socket", ListeningSocket(AF_UNIX, SOCK_STREAM), {}, "is not a TCP socket"},
      {"two sockets", loopback_listener(), {"LISTEN_FDS=2"}, "mailboxd serves one socket"},
      {"not a number", loopback_listener(), {"LISTEN_FDS=one"}, "not a number"},
      {"any address, no keys", ListeningSocket(AF_INET, SOCK_STREAM, INADDR_ANY), {},
       "the inherited socket's address 0.0.0.0 is not a loopback address, and no key is configured"},
  };
  for (auto& c : cases) {
    CAPTURE(c.what);
    const auto r = testing::ChildProcess(MAILBOXD_PATH, {"--data", dir.str()}, c.env, c.socket.fd).wait(10s);
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find(c.says) != std::string::npos, r.err);
  }
}

TEST_CASE("LISTEN_PID naming another process leaves fd 3 alone: mailboxd binds --listen as without the variables") {
  TempDir dir;
  auto socket = loopback_listener();
  auto server = testing::wait_listening(std::make_unique<testing::ChildProcess>(
      MAILBOXD_PATH, std::vector<std::string>{"--data", dir.str(), "--listen", "127.0.0.1:0"},
      std::vector<std::string>{"LISTEN_PID=1"}, socket.fd));
  CHECK(server.port != socket.port);
  CHECK(testing::http_call(server.port, "GET", "/healthz").status == 200);
  server.process->signal(SIGTERM);
  CHECK(server.process->wait(10s).exit_code == 0);
}
