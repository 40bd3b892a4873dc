#pragma once
// What the replication tests share: a writer and replicas as real mailboxd processes
// on loopback ports, sends through HTTP, and reads through the replicas.

#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <regex>
#include <thread>
#include <string>
#include <vector>

#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/mailboxd_process.h"
#include "tests/support/nats_server.h"
#include "tests/support/process.h"

namespace mailbox::testing {

inline const std::string kWriterUrl = "http://writer.test:8080";

// A writer or replica; stop() checks the exit was clean and returns the output.
class Node {
 public:
  explicit Node(Mailboxd m) : d_(std::move(m)), port(d_.port) {}
  std::string stop(bool check = true) {
    auto r = d_.stop();
    if (check) CHECK_MESSAGE(r.exit_code == 0, r.out.substr(r.out.size() > 3000 ? r.out.size() - 3000 : 0) << r.err);
    return r.out + r.err;
  }
  void kill() { (void)d_.kill(); }
  // Waits at most `bound` for the process to exit by itself; its exit code.
  int wait_exit(std::chrono::milliseconds bound) { return d_.wait(bound).exit_code; }

 private:
  DrainedMailboxd d_;

 public:
  const std::uint16_t port;
};

inline std::unique_ptr<Node> start_writer(const std::string& data, const std::string& nats,
                                          std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--data", data, "--replicate", nats, "--advertise-url", kWriterUrl};
  args.insert(args.end(), more.begin(), more.end());
  return std::make_unique<Node>(start_mailboxd(MAILBOXD_PATH, args));
}

inline std::unique_ptr<Node> start_replica(const std::string& data, const std::string& nats,
                                           std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--data", data, "--follow", nats};
  args.insert(args.end(), more.begin(), more.end());
  return std::make_unique<Node>(start_mailboxd(MAILBOXD_PATH, args));
}

struct Sent {
  std::string id;
  std::uint64_t position = 0;
};

// The id and position of a 201's body (empty and 0 where missing).
inline Sent sent_of(const std::string& body) {
  Sent sent;
  std::smatch m;
  if (std::regex_search(body, m, std::regex(R"re("id":"([^"]+)")re"))) sent.id = m[1];
  if (std::regex_search(body, m, std::regex(R"re("position":(\d+))re"))) sent.position = std::stoull(m[1]);
  return sent;
}

// POST /mobiles; status 0 when the connection failed.
inline std::pair<int, Sent> send_message(std::uint16_t port, const std::string& sender, const std::string& receiver,
                                        const std::string& text) {
  try {
    auto r = http_call(port, "POST", "/mobiles",
                       R"({"user":")" + sender + R"(","receiver":")" + receiver + R"(","text":")" + text + R"("})",
                       {{"Content-Type", "application/json"}});
    return {r.status, sent_of(r.body)};
  } catch (const std::exception&) {
    return {0, {}};
  }
}

// The receiver's mailbox on a server, once it shows `position` (at most 10 s).
inline HttpReply mailbox_at(std::uint16_t port, const std::string& receiver, std::uint64_t position) {
  return http_call(port, "GET",
                   "/readmails?receiver=" + receiver + "&limit=100&min_position=" + std::to_string(position) +
                       "&wait_ms=10000");
}

// mailbox-replay verify --data a --against b.
inline ProcessResult verify_against(const std::string& a, const std::string& b) {
  ChildProcess p(MAILBOX_REPLAY_PATH, {"verify", "--data", a, "--against", b});
  return p.wait(std::chrono::seconds(60));
}

// The value of a metric line (first match of `name{...} value`), or -1.
inline double metric(std::uint16_t port, const std::string& name) {
  auto r = http_call(port, "GET", "/metrics");
  std::smatch m;
  if (std::regex_search(r.body, m, std::regex("\n" + name + R"((\{[^}]*\})? ([0-9.e+-]+))"))) return std::stod(m[2]);
  return -1;
}

// One event of a server's log as GET /events shows it.
struct LoggedEvent {
  std::uint64_t position = 0;
  std::string type;
  std::string data;  // the fields of its "data" object, as JSON text without the braces
};

// Every event of the log of the server on `port`, in order (GET /events, page by page).
inline std::vector<LoggedEvent> log_of(std::uint16_t port) {
  std::vector<LoggedEvent> out;
  const std::regex item(R"re(\{"position":(\d+)[^{}]*?"type":"([A-Za-z]+)"([^{}]*?\{([^{}]*)\})?)re");
  for (std::uint64_t from = 1;;) {
    auto r = http_call(port, "GET", "/events?from=" + std::to_string(from) + "&limit=1000");
    REQUIRE(r.status == 200);
    std::size_t items = 0;
    for (std::sregex_iterator it(r.body.begin(), r.body.end(), item), end; it != end; ++it) {
      ++items;
      out.push_back({std::stoull((*it)[1]), (*it)[2], (*it)[4]});
      from = out.back().position + 1;
    }
    if (items == 0) return out;
  }
}

// How many events of `type` the log of the server on `port` holds.
inline int count_events(std::uint16_t port, const std::string& type) {
  int n = 0;
  for (const auto& e : log_of(port)) n += e.type == type ? 1 : 0;
  return n;
}

// Whether the writer on `port` has shipped everything it committed, within bound.
inline bool all_shipped(std::uint16_t port, std::chrono::milliseconds bound = std::chrono::seconds(10)) {
  return eventually([&] { return metric(port, "mailbox_replication_lag_events") == 0; }, bound);
}

inline std::uint64_t head_of(std::uint16_t port) {
  std::smatch m;
  const auto body = http_call(port, "GET", "/readyz").body;
  REQUIRE(std::regex_search(body, m, std::regex(R"re("head":(\d+))re")));
  return std::stoull(m[1]);
}


// POST /mobiles with an Idempotency-Key; the whole reply (status 0: no connection).
inline HttpReply keyed_send(std::uint16_t port, const std::string& key, const std::string& receiver,
                            const std::string& text) {
  try {
    return http_call(port, "POST", "/mobiles",
                     R"({"user":"01011112222","receiver":")" + receiver + R"(","text":")" + text + R"("})",
                     {{"Content-Type", "application/json"}, {"Idempotency-Key", key}});
  } catch (const std::exception&) {
    return {};
  }
}

}  // namespace mailbox::testing
