#pragma once
// Runs a real nats-server (Debian's) with JetStream on a loopback port, its store in a
// folder of the test's, for the replication tests. It can be stopped and started again
// on the same port and store.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <regex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.h"

namespace mailbox::testing {

// A loopback port nobody listens on right now.
inline std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t size = sizeof addr;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
    ::close(fd);
    throw std::runtime_error("no free port");
  }
  ::close(fd);
  return ntohs(addr.sin_port);
}

inline bool accepts_connections(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

// Runs start() until it succeeds, again (after before_retry()) when it failed because a
// port was in use, at most attempts times; any other failure, or the last, is thrown.
template <class Start, class BeforeRetry>
void retry_while_port_taken(int attempts, Start start, BeforeRetry before_retry) {
  for (int attempt = 1;; ++attempt) {
    try {
      start(attempt);
      return;
    } catch (const std::runtime_error& e) {
      if (attempt == attempts || std::string(e.what()).find("address already in use") == std::string::npos) throw;
      before_retry();
    }
  }
}

class NatsServer {
 public:
  // dir: a folder of the test's (the config and the JetStream store go there).
  // extra: more configuration, e.g. an authorization block.
  // name: the server's name (unique in a cluster). wait: start and wait until healthy
  // here; a cluster's servers start first and are waited for together.
  explicit NatsServer(std::string dir, std::string extra = {}, std::string name = "mailbox_test",
                      std::uint16_t port = 0, bool wait = true)
      : dir_(std::move(dir)), extra_(std::move(extra)), name_(std::move(name)), port_(port) {
    std::filesystem::create_directories(dir_);
    config_ = dir_ + "/nats.conf";
    write_config();
    if (wait) start();
    else launch();
  }
  ~NatsServer() { stop(); }
  NatsServer(const NatsServer&) = delete;

  // Starts it and waits (bounded) until JetStream answers its health check. The first
  // start lets nats-server pick its own free ports (a port picked here and bound there
  // could be taken between the two); later starts keep the client port it picked, and
  // try again a few times when that port is briefly in use.
  void start() {
    retry_while_port_taken(
        kStartAttempts,
        [this](int) {
          launch();
          wait_healthy("/healthz?js-enabled-only=true", std::chrono::seconds(15));
        },
        [] { std::this_thread::sleep_for(std::chrono::milliseconds(200)); });
  }
  // Starts the process without waiting.
  void launch() {
    process_ = std::make_unique<ChildProcess>("/usr/sbin/nats-server", std::vector<std::string>{"-c", config_});
  }
  // Waits (bounded) until the server has written its ports file (all its listeners are
  // up) and the monitoring path answers 200; throws with the server's output.
  void wait_healthy(const std::string& path, std::chrono::seconds bound) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    const std::string ports_file = dir_ + "/nats-server_" + std::to_string(process_->pid()) + ".ports";
    for (;;) {
      const bool gone = process_->exited();
      if (!gone && read_ports(ports_file) && healthy(path)) {
        if (!started_) write_config();  // the client port it picked stays for restarts
        started_ = true;
        return;
      }
      if (gone || std::chrono::steady_clock::now() > deadline) {
        auto out = process_->wait(std::chrono::milliseconds(100));
        process_.reset();
        throw std::runtime_error("nats-server " + config_ + " did not become healthy (" + path + "): " + out.err +
                                 out.out);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  // SIGKILL: a lost machine.
  void kill() {
    if (!process_) return;
    process_->signal(SIGKILL);
    (void)process_->wait(std::chrono::seconds(10));
    process_.reset();
  }
  // SIGTERM, and waits for the exit.
  void stop() {
    if (!process_) return;
    process_->signal(SIGTERM);
    (void)process_->wait(std::chrono::seconds(10));
    process_.reset();
  }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }
  std::uint16_t port() const { return port_; }

 private:
  bool healthy(const std::string& path) const {
    if (!accepts_connections(monitor_port_)) return false;
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(monitor_port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      return false;
    }
    const std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
    char buf[512];
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    ::close(fd);
    return n > 12 && std::string(buf, 12).find("200") != std::string::npos;
  }

  static constexpr int kStartAttempts = 5;

  // The ports nats-server wrote once it listened on all of them:
  // {"nats":["nats://127.0.0.1:P"],"monitoring":["http://127.0.0.1:M"]} (tls:// with TLS).
  bool read_ports(const std::string& file) {
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), {});
    std::smatch client, monitor;
    if (!std::regex_search(text, client, std::regex(R"re("nats":\["[a-z]+://127\.0\.0\.1:(\d+)")re")) ||
        !std::regex_search(text, monitor, std::regex(R"re("monitoring":\["http://127\.0\.0\.1:(\d+)")re")))
      return false;
    port_ = static_cast<std::uint16_t>(std::stoi(client[1]));
    monitor_port_ = static_cast<std::uint16_t>(std::stoi(monitor[1]));
    return true;
  }

  // Port -1: nats-server picks a free one itself.
  void write_config() const {
    std::ofstream(config_) << "server_name: " << name_ << "\nlisten: 127.0.0.1:"
                           << (port_ ? std::to_string(port_) : std::string("-1"))
                           << "\nhttp: 127.0.0.1:-1\nports_file_dir: \"" << dir_ << "\"\njetstream {\n  store_dir: \""
                           << dir_ << "/store\"\n}\n"
                           << extra_ << "\n";
  }

  std::string dir_, extra_, name_, config_;
  std::uint16_t port_;              // 0 until the first start when nats-server picks it
  std::uint16_t monitor_port_ = 0;  // picked by nats-server at each start
  bool started_ = false;            // was healthy once: the client port stays from then on
  std::unique_ptr<ChildProcess> process_;
};

// Three nats-servers in one cluster on loopback (JetStream R3: Raft over the three).
// Each lists the others' route ports, so those are picked before any starts: one taken
// meanwhile fails that server's start, and the cluster starts again on new ports, in
// new folders. The cluster is named after its folder (a hash of the path), so two tests'
// clusters never merge.
class NatsCluster {
 public:
  explicit NatsCluster(const std::string& dir, int size = 3) {
    retry_while_port_taken(
        kStartAttempts, [&](int attempt) { start(dir + "/attempt-" + std::to_string(attempt), size); },
        [this] { servers_.clear(); });
  }
  NatsServer& server(int i) { return *servers_.at(i); }
  // Every server's URL, comma-separated (as --replicate and --follow take them).
  std::string urls() const {
    std::string out;
    for (const auto& s : servers_) out += (out.empty() ? "" : ",") + s->url();
    return out;
  }

 private:
  static constexpr int kStartAttempts = 3;

  void start(const std::string& dir, int size) {
    std::vector<std::uint16_t> routes;
    for (int i = 0; i < size; ++i) routes.push_back(free_port());
    std::string route_list;
    for (auto p : routes) route_list += (route_list.empty() ? "" : ", ") + std::string("nats-route://127.0.0.1:") + std::to_string(p);
    const std::string name = "mailbox_test_" + std::to_string(std::hash<std::string>{}(dir));
    for (int i = 0; i < size; ++i) {
      const std::string cluster = "cluster {\n  name: " + name + "\n  listen: 127.0.0.1:" + std::to_string(routes[i]) +
                                  "\n  routes: [" + route_list + "]\n}\n";
      servers_.push_back(std::make_unique<NatsServer>(dir + "/n" + std::to_string(i + 1), cluster,
                                                      "n" + std::to_string(i + 1), 0, false));
    }
    // Healthy in full: JetStream's meta group has a leader and the server is current.
    for (auto& s : servers_) s->wait_healthy("/healthz", std::chrono::seconds(60));
  }

  std::vector<std::unique_ptr<NatsServer>> servers_;
};

}  // namespace mailbox::testing
