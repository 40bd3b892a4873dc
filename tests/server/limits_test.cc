// Bounds on what clients can make mailboxd hold: descriptors, connections per address,
// and metric series. Each test crosses its bound against the real binary, checks what
// the client sees, and that the server still works afterwards.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/keyed_mailboxd.h"
#include "tests/support/mailboxd_process.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::http_call;
using testing::eventually;
using testing::HttpConnection;

namespace {

// The CPU time (user and system) a process has used so far, in seconds.
double cpu_seconds(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string skip;
  for (int i = 3; i < 14; ++i) fields >> skip;  // fields 3..13
  unsigned long long user = 0, system = 0;
  fields >> user >> system;
  return static_cast<double>(user + system) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

int run(const std::string& command) { return std::system(command.c_str()); }

// The resident memory of a process, in KiB.
long rss_kib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  return 0;
}

// After a bound was crossed and the load is gone, the process holds about what it held
// before. Release builds only: the sanitizers keep freed memory aside on purpose.
void check_memory_back(pid_t pid, long before_kib, const char* what) {
#if defined(__SANITIZE_ADDRESS__)
  (void)pid, (void)before_kib, (void)what;
#else
  const long after = rss_kib(pid);
  CHECK_MESSAGE(after < before_kib + 16 * 1024, what << ": resident memory " << before_kib << " KiB before, " << after
                                                     << " KiB after");
#endif
}

bool sends_work(std::uint16_t port) {
  auto r = http_call(port, "POST", "/mobiles", R"({"user":"01012345678","receiver":"01099998888","text":"still here"})");
  auto ready = http_call(port, "GET", "/readyz");
  if (r.status == 201 && ready.status == 200) return true;
  MESSAGE("send: " << r.status << " " << r.body << "; /readyz: " << ready.status << " " << ready.body);
  return false;
}

}  // namespace

TEST_CASE("out of descriptors, mailboxd backs off instead of spinning, and serves again once they are back") {
  testing::TempDir data;
  // ulimit -n 256 with room for 150 connections and RocksDB's 2 x 32 files.
  auto m = testing::start_mailboxd("/bin/sh", {"-c", "ulimit -n 256 && exec \"$0\" \"$@\"", MAILBOXD_PATH, "--data",
                                               data.str(), "--max-open-files", "32", "--max-connections", "150"});
  const pid_t pid = m.process->pid();
  REQUIRE(eventually([&] { return sends_work(m.port); }, 10s));  // ready once caught up at start

  // A thousand connection attempts within the limits: the ones past 150 are refused.
  {
    std::vector<std::unique_ptr<HttpConnection>> held;
    for (int i = 0; i < 1000; ++i) held.push_back(std::make_unique<HttpConnection>(m.port));
    std::this_thread::sleep_for(500ms);
  }
  REQUIRE(eventually([&] { return sends_work(m.port); }, 10s));

  // Now the process may open fewer files than it holds: every accept fails (EMFILE).
  REQUIRE(run("prlimit --pid " + std::to_string(pid) + " --nofile=40:256") == 0);
  {
    std::vector<std::unique_ptr<HttpConnection>> waiting;
    for (int i = 0; i < 300; ++i) waiting.push_back(std::make_unique<HttpConnection>(m.port));
    const double before = cpu_seconds(pid);
    std::this_thread::sleep_for(2s);
    const double used = cpu_seconds(pid) - before;
    // Spinning on accept takes a whole core: about 2 s here.
    CHECK_MESSAGE(used < 0.5, "mailboxd used " << used << " s of CPU in 2 s while out of descriptors");
  }
  REQUIRE(run("prlimit --pid " + std::to_string(pid) + " --nofile=256:256") == 0);
  CHECK_MESSAGE(eventually([&] { return sends_work(m.port); }, 10s), "sends work again once descriptors are back");
  auto out = m.process->read_until("accepting a connection failed", 5s);
  CHECK(out.find("accepting a connection failed") != std::string::npos);
  const auto result = testing::stop(m);
  CHECK(result.exit_code == 0);
  CHECK(result.out.find("storage_failed") == std::string::npos);
  CHECK(result.out.find("sends are refused") == std::string::npos);
}

TEST_CASE("a --max-open-files and --max-connections that do not fit the open file limit stop mailboxd at start, saying so") {
  testing::TempDir data;
  const auto r = testing::ChildProcess("/bin/sh", {"-c", "ulimit -n 256 && exec \"$0\" \"$@\"", MAILBOXD_PATH, "--data",
                                                   data.str(), "--max-open-files", "32", "--max-connections", "200",
                                                   "--listen", "127.0.0.1:0"})
                     .wait(10s);
  CHECK(r.exit_code == 2);
  CHECK_MESSAGE(r.err.find("mailboxd: --max-connections 200 needs about 304 open files") != std::string::npos, r.err);
  CHECK(r.err.find("may open 256") != std::string::npos);
  // Not given: lowered to fit, with a warning.
  auto m = testing::start_mailboxd("/bin/sh", {"-c", "ulimit -n 256 && exec \"$0\" \"$@\"", MAILBOXD_PATH, "--data",
                                               data.str(), "--max-open-files", "32"});
  CHECK(sends_work(m.port));
  CHECK(testing::stop(m).out.find("--max-connections lowered to 152") != std::string::npos);
}

TEST_CASE("--max-connections-per-ip: past it a connection gets 503 with Retry-After, and one closing makes room") {
  testing::TempDir data;
  auto m = testing::start_mailboxd(MAILBOXD_PATH, {"--data", data.str(), "--max-connections-per-ip", "3"});
  REQUIRE(sends_work(m.port));
  const long before = rss_kib(m.process->pid());
  for (int i = 0; i < 300; ++i) CHECK(http_call(m.port, "GET", "/healthz").status == 200);
  // mailboxd counts a closed connection out once it reads the close, a moment later: the
  // 300 just closed may still hold a place for that moment, so each held one may take a retry.
  std::vector<std::unique_ptr<HttpConnection>> held;
  for (int i = 0; i < 3; ++i) {
    REQUIRE_MESSAGE(eventually(
                        [&] {
                          auto c = std::make_unique<HttpConnection>(m.port);
                          if (c->call("GET", "/healthz").status != 200) return false;
                          held.push_back(std::move(c));  // accepted and served
                          return true;
                        },
                        5s),
                    "connection " << i + 1 << " of 3 was never served");
  }
  auto refused = http_call(m.port, "GET", "/healthz");
  CHECK(refused.status == 503);
  CHECK(refused.header("retry-after") == "1");
  CHECK(refused.body.find("\"code\":\"overloaded\"") != std::string::npos);
  CHECK(refused.body.find("too many connections from 127.0.0.1") != std::string::npos);
  held.pop_back();
  CHECK(eventually([&] { return http_call(m.port, "GET", "/healthz").status == 200; }, 5s));
  held.clear();
  CHECK_MESSAGE(eventually([&] { return sends_work(m.port); }, 5s), "sends work once the held connections closed");
  check_memory_back(m.process->pid(), before, "connections per address");
  CHECK(testing::stop(m).exit_code == 0);
}

TEST_CASE("/metrics keeps a constant set of series under made-up methods and paths, and every line is whole") {
  testing::TempDir data;
  auto m = testing::start_mailboxd(MAILBOXD_PATH, {"--data", data.str()});
  auto series = [&] {
    auto r = http_call(m.port, "GET", "/metrics");
    REQUIRE(r.status == 200);
    REQUIRE(r.body.ends_with("\n"));
    std::set<std::string> names;
    std::istringstream lines(r.body);
    for (std::string line; std::getline(lines, line);) {
      if (line.starts_with("#")) continue;
      const auto space = line.rfind(' ');
      REQUIRE_MESSAGE(space != std::string::npos, "a cut line: " << line);
      CHECK_MESSAGE(line.find_first_not_of("0123456789.e+-naNIf", space + 1) == std::string::npos, line);
      names.insert(line.substr(0, space));
    }
    return names;
  };
  // Each kind of request once, then many more of them: no new series.
  auto junk = [&](int i) {
    HttpConnection c(m.port);
    c.send_raw("X" + std::to_string(i) + "METHOD /made/up/" + std::to_string(i) + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
    return c.read_reply().status;
  };
  CHECK(junk(0) == 404);
  CHECK(http_call(m.port, "GET", "/nowhere/0").status == 404);
  CHECK(http_call(m.port, "GET", "/no-such-file-0.js").status == 404);
  series();  // the scrape itself is a route: counted from the second scrape on
  const auto first = series();
  for (int i = 1; i < 300; ++i) {
    junk(i);
    http_call(m.port, "GET", "/nowhere/" + std::to_string(i));
    http_call(m.port, "GET", "/no-such-file-" + std::to_string(i) + ".js");
  }
  const auto after = series();
  std::string added;
  for (const auto& name : after)
    if (!first.contains(name)) added += "\n  " + name;
  CHECK_MESSAGE(after.size() == first.size(), "new series:" << added);
  CHECK(testing::stop(m).exit_code == 0);
}

TEST_CASE("--max-live-subscribers bounds live streams of both kinds, with keys 8 per user, and a closed one makes room") {
  auto open_stream = [](std::uint16_t port, const std::string& target, std::map<std::string, std::string> headers = {}) {
    auto c = std::make_unique<HttpConnection>(port);
    c->send_raw(HttpConnection::request("GET", target, "", headers));
    return std::make_pair(c->read_reply(5s), std::move(c));
  };
  {
    testing::TempDir data;
    auto m = testing::start_mailboxd(MAILBOXD_PATH, {"--data", data.str(), "--max-live-subscribers", "3"});
    REQUIRE(sends_work(m.port));
    const long before = rss_kib(m.process->pid());
    std::vector<std::unique_ptr<HttpConnection>> held;
    for (const char* target : {"/events/live", "/readmails/live?receiver=01011112222", "/readmails/live?receiver=01011113333"}) {
      auto [head, c] = open_stream(m.port, target);
      REQUIRE_MESSAGE(head.status == 200, target);
      held.push_back(std::move(c));
    }
    auto [refused, c4] = open_stream(m.port, "/readmails/live?receiver=01011114444");
    CHECK(refused.status == 503);
    CHECK(refused.header("retry-after") == "1");
    CHECK(refused.body.find("too many live streams") != std::string::npos);
    held.erase(held.begin());  // the client goes away: its ticket comes back
    CHECK(eventually([&] { return open_stream(m.port, "/events/live").first.status == 200; }, 5s));
    held.clear();
    for (int i = 0; i < 200; ++i) open_stream(m.port, "/readmails/live?receiver=01011115555");  // opened and left
    CHECK(eventually([&] { return open_stream(m.port, "/events/live").first.status == 200; }, 5s));
    CHECK(sends_work(m.port));
    check_memory_back(m.process->pid(), before, "live streams");
    CHECK(testing::stop(m).exit_code == 0);
  }
  testing::ServerKeys keys;
  testing::TempDir data;
  auto m = testing::start_mailboxd(MAILBOXD_PATH, keys.flags({"--data", data.str()}));
  REQUIRE(testing::wait_ready(m.port));
  const auto mine = testing::bearer(keys.rs256({"01011112222"}));
  std::vector<std::unique_ptr<HttpConnection>> held;
  for (int i = 0; i < 8; ++i) {
    auto [head, c] = open_stream(m.port, "/readmails/live", mine);
    REQUIRE(head.status == 200);
    held.push_back(std::move(c));
  }
  auto [ninth, c9] = open_stream(m.port, "/readmails/live", mine);
  CHECK(ninth.status == 503);
  CHECK(ninth.body.find("8 of yours") != std::string::npos);
  auto [other, c10] = open_stream(m.port, "/readmails/live", testing::bearer(keys.rs256({"01011113333"})));
  CHECK(other.status == 200);
  CHECK(testing::stop(m).exit_code == 0);
}

TEST_CASE("with keys, sends are limited per user (--send-rate, --send-burst): past it 429 with Retry-After, nothing stored") {
  testing::ServerKeys keys;
  testing::TempDir data;
  auto m = testing::start_mailboxd(MAILBOXD_PATH, keys.flags({"--data", data.str(), "--send-rate", "2", "--send-burst", "3"}));
  REQUIRE(testing::wait_ready(m.port));
  const auto ann = testing::bearer(keys.rs256({"01011112222"}));
  const auto bob = testing::bearer(keys.rs256({"01011113333"}));
  const std::string body = R"({"receiver":"01099998888","text":"limited"})";
  for (int i = 0; i < 3; ++i) REQUIRE(http_call(m.port, "POST", "/mobiles", body, ann).status == 201);
  auto refused = http_call(m.port, "POST", "/mobiles", body, ann);
  CHECK(refused.status == 429);
  CHECK(refused.header("content-type") == "application/problem+json");
  CHECK(refused.body.find("\"code\":\"rate_limited\"") != std::string::npos);
  CHECK(refused.header("retry-after") == "1");
  // Another user has a bucket of their own.
  CHECK(http_call(m.port, "POST", "/mobiles", body, bob).status == 201);
  // Nothing of the refused send was stored: four Sent in the log.
  const auto admin = testing::bearer(keys.es256({"01099990000", "mailbox:admin"}));
  auto events = http_call(m.port, "GET", "/events?limit=1000", "", admin);
  std::size_t sent = 0;
  for (auto at = events.body.find("\"type\":\"Sent\""); at != std::string::npos; at = events.body.find("\"type\":\"Sent\"", at + 1))
    ++sent;
  CHECK(sent == 4);
  auto metrics = http_call(m.port, "GET", "/metrics", "", admin);
  CHECK(metrics.body.find("mailbox_sends_rate_limited_total 1\n") != std::string::npos);
  // Half a second refills one at 2 per second.
  CHECK(eventually([&] { return http_call(m.port, "POST", "/mobiles", body, ann).status == 201; }, 5s));
  CHECK(testing::stop(m).exit_code == 0);
}

TEST_CASE("in open mode sends are not limited unless --send-rate is given, then per sender number") {
  testing::TempDir data;
  auto open = testing::start_mailboxd(MAILBOXD_PATH, {"--data", data.str()});
  for (int i = 0; i < 250; ++i)  // past the default burst of 200
    REQUIRE(http_call(open.port, "POST", "/mobiles", R"({"user":"01011112222","receiver":"01099998888","text":"x"})")
                .status == 201);
  CHECK(testing::stop(open).exit_code == 0);
  auto limited = testing::start_mailboxd(MAILBOXD_PATH, {"--data", data.str(), "--send-rate", "1", "--send-burst", "1"});
  CHECK(http_call(limited.port, "POST", "/mobiles", R"({"user":"01011112222","receiver":"01099998888","text":"x"})").status == 201);
  CHECK(http_call(limited.port, "POST", "/mobiles", R"({"user":"01011112222","receiver":"01099998888","text":"x"})").status == 429);
  CHECK(http_call(limited.port, "POST", "/mobiles", R"({"user":"01011113333","receiver":"01099998888","text":"x"})").status == 201);
  CHECK(testing::stop(limited).exit_code == 0);
}

TEST_CASE("pages of /events and /streams stop at 1 MiB of JSON, with a next link that goes on from there") {
  testing::TempDir data;
  auto m = testing::start_mailboxd(MAILBOXD_PATH, {"--data", data.str()});
  // 600 sends of 2000 characters: about 4 events each, well over 1 MiB of log as JSON.
  const std::string text(2000, 'x');
  std::uint64_t last = 0;
  for (int i = 0; i < 600; ++i) {
    auto r = http_call(m.port, "POST", "/mobiles",
                       R"({"user":"01011112222","receiver":"01099998888","text":")" + text + R"("})");
    REQUIRE(r.status == 201);
  }
  auto head_of = [&] {
    auto r = http_call(m.port, "GET", "/events?limit=1");
    return std::stoull(r.body.substr(r.body.find("\"head\":") + 7));
  };
  const std::uint64_t before = head_of();
  const long memory_before = rss_kib(m.process->pid());
  std::size_t pages = 0, events = 0;
  std::string next = "/events?from=1&limit=1000";
  while (!next.empty()) {
    auto page = http_call(m.port, "GET", next);
    REQUIRE(page.status == 200);
    CHECK_MESSAGE(page.body.size() < (1u << 20) + 16 * 1024, "a page of " << page.body.size() << " bytes");
    ++pages;
    for (auto at = page.body.find("\"position\":"); at != std::string::npos; at = page.body.find("\"position\":", at + 1))
      ++events;
    const auto href = page.body.find("\"next\":{\"href\":\"");
    next = href == std::string::npos ? "" : page.body.substr(href + 16, page.body.find('"', href + 16) - href - 16);
    REQUIRE(pages < 100);
  }
  // Every event once, in pages (the policies may still be adding alarms meanwhile).
  last = head_of();
  CHECK(pages > 1);
  CHECK(events >= before);
  CHECK(events <= last);
  CHECK(sends_work(m.port));
  check_memory_back(m.process->pid(), memory_before, "pages of the log");
  CHECK(testing::stop(m).exit_code == 0);
}

TEST_CASE("--max-pending-appends: past it a send gets 503 overloaded with Retry-After at once, and every 201 is in the log") {
  testing::TempDir data;
  auto m = testing::start_mailboxd(MAILBOXD_PATH, {"--data", data.str(), "--max-pending-appends", "2"});
  REQUIRE(eventually([&] { return sends_work(m.port); }, 10s));
  const long before = rss_kib(m.process->pid());
  std::atomic<int> created = 0, overloaded = 0, other = 0;
  std::vector<std::thread> senders;
  for (int t = 0; t < 32; ++t)
    senders.emplace_back([&, t] {
      HttpConnection c(m.port);
      for (int i = 0; i < 8; ++i) {
        auto r = c.call("POST", "/mobiles",
                        R"({"user":"0101111)" + std::to_string(1000 + t) + R"(","receiver":"01099998888","text":"burst"})");
        if (r.status == 201) ++created;
        else if (r.status == 503 && r.body.find("\"code\":\"overloaded\"") != std::string::npos &&
                 r.header("retry-after") == "1")
          ++overloaded;
        else
          ++other;
      }
    });
  for (auto& s : senders) s.join();
  MESSAGE(created.load() << " sends stored, " << overloaded.load() << " refused as overloaded");
  CHECK(other == 0);
  CHECK(overloaded > 0);
  CHECK(created > 0);
  // Exactly the answered sends are stored.
  std::size_t sent = 0;
  for (std::string next = "/events?from=1&limit=1000"; !next.empty();) {
    auto page = http_call(m.port, "GET", next);
    simdjson::dom::parser parser;
    simdjson::dom::array list;
    REQUIRE_MESSAGE(parser.parse(page.body)["events"].get(list) == simdjson::SUCCESS, page.body.substr(0, 200));
    for (auto e : list) {
      std::string_view type, text;
      if (e["type"].get(type) == simdjson::SUCCESS && type == "Sent" && e["data"]["text"].get(text) == simdjson::SUCCESS &&
          text == "burst")
        ++sent;
    }
    const auto href = page.body.find("\"next\":{\"href\":\"");
    next = href == std::string::npos ? "" : page.body.substr(href + 16, page.body.find('"', href + 16) - href - 16);
  }
  CHECK(sent == static_cast<std::size_t>(created.load()));
  // Once the policies have appended what the burst caused, sends go through again.
  CHECK(eventually([&] { return sends_work(m.port); }, 10s));
  check_memory_back(m.process->pid(), before, "a burst of sends");
  auto stopped = testing::stop(m);
  CHECK(stopped.exit_code == 0);
  CHECK(stopped.out.find("policy") == std::string::npos);  // the policies' own appends were never refused
}
