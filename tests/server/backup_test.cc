// Online backups: POST /admin/backup on a real mailboxd while sends go on, restored by
// the real mailbox-replay and served again by mailboxd; one backup at a time.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "core/eventstore/event_store.h"
#include "tests/support/faulty_file_system.h"
#include "tests/support/hold.h"
#include "tests/support/keyed_mailboxd.h"
#include "tests/support/test_server.h"

using namespace mailbox;
using namespace mailbox::testing;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kReceivers = {"01020000001", "01020000002", "01020000003"};

struct Ack {
  std::string id, receiver;
  std::uint64_t position = 0;
  bool before_backup = false;  // answered before the backup was asked for
};

std::string text_of(simdjson::dom::element e, const char* key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}

std::uint64_t number_of(simdjson::dom::element e, const char* key) {
  std::uint64_t v = 0;
  return e[key].get(v) == simdjson::SUCCESS ? v : 0;
}

// Every row of a receiver's mailbox, newest first, each as its JSON (all pages).
std::vector<std::pair<std::string, std::string>> mailbox_rows(std::uint16_t port, const std::string& receiver) {
  std::vector<std::pair<std::string, std::string>> rows;
  simdjson::dom::parser parser;
  for (std::string page = "/readmails?limit=100&receiver=" + receiver; !page.empty();) {
    const HttpReply r = http_call(port, "GET", page);
    REQUIRE_MESSAGE(r.status == 200, r.body);
    simdjson::dom::element doc = parser.parse(r.body).value();
    const simdjson::dom::array page_rows = doc["_embedded"]["readmails"].get_array().value();
    for (auto row : page_rows)
      rows.emplace_back(text_of(row, "id"), simdjson::minify(row));
    std::string_view next;
    page = doc["_links"]["next"]["href"].get(next) == simdjson::SUCCESS ? std::string(next) : std::string();
  }
  return rows;
}

std::unique_ptr<eventstore::EventStore> open_log(const std::string& data) {
  eventstore::StoreOptions options;
  options.create_if_missing = false;
  options.read_only = true;
  auto log = eventstore::EventStore::open(data + "/log", options);
  REQUIRE_MESSAGE(log.has_value(), log.error().message);
  return std::move(*log);
}

// A mailboxd in this process with a backup folder, over a file system that holds each
// backup in its copy of the log (at its first hard link) until hold is released, with
// one message sent (so that the copy has a table file to link).
struct HeldBackups {
  std::shared_ptr<FaultyFileSystem> fs;
  std::unique_ptr<rocksdb::Env> env;
  Hold hold{20s};
  TempDir backups;
  std::unique_ptr<TestServer> server;

  HeldBackups() {
    std::tie(fs, env) = FaultyFileSystem::make();
    server::ApiOptions api;
    api.backup_dir = backups.path();
    server = std::make_unique<TestServer>(server::ServerOptions{}, nullptr, nullptr, env.get(), api);
    const HttpReply sent = http_call(port(), "POST", "/mobiles",
                                     R"({"user":"01010000000","receiver":"01020000000","text":"x"})",
                                     {{"Content-Type", "application/json"}});
    REQUIRE(sent.status == 201);
    fs->hold_links(&hold);
  }
  std::uint16_t port() const { return server->port(); }
};

// POST /admin/backup on a thread of its own; the hold is released and the thread joined
// by wait() or on the way out.
struct BackupRequest {
  explicit BackupRequest(HeldBackups& held)
      : hold(held.hold), thread([this, port = held.port()] { reply = http_call(port, "POST", "/admin/backup"); }) {}
  ~BackupRequest() {
    hold.release();
    if (thread.joinable()) thread.join();
  }
  HttpReply wait() {
    hold.release();
    thread.join();
    return reply;
  }
  Hold& hold;
  HttpReply reply;
  std::thread thread;
};

}  // namespace

TEST_CASE("a backup taken while sends run restores exactly the events up to its lastPosition, and the restored folder serves the same mailboxes") {
  TempDir root;
  const std::string data = root.sub("data"), backups = root.sub("backups"), restored = root.sub("restored");
  DrainedMailboxd m(start_mailboxd(MAILBOXD_PATH, {"--data", data, "--backup-dir", backups}));
  REQUIRE(wait_ready(m.port));

  // Two senders keep sending until told to stop; each answer says whether it came
  // before the backup was asked for.
  std::atomic<bool> asked{false}, done{false};
  std::atomic<int> acked{0}, acked_after{0}, failed{0};
  std::mutex acks_mutex;
  std::vector<Ack> acks;  // guarded by acks_mutex
  std::vector<std::thread> senders;
  for (int s = 0; s < 2; ++s)
    senders.emplace_back([&, s] {
      for (int i = 0; !done; ++i) {
        const std::string receiver = kReceivers[static_cast<std::size_t>(i + s) % kReceivers.size()];
        HttpReply r;
        try {
          r = http_call(m.port, "POST", "/mobiles",
                        R"({"user":"0101000000)" + std::to_string(s) + R"(","receiver":")" + receiver +
                            R"(","text":"load )" + std::to_string(s) + "-" + std::to_string(i) + R"("})",
                        {{"Content-Type", "application/json"}});
        } catch (const std::exception&) {
          ++failed;  // checked below: a send that got no answer
          continue;
        }
        const bool before = !asked;  // read after the answer came
        if (r.status != 201) {
          ++failed;
          continue;
        }
        simdjson::dom::parser parser;
        simdjson::dom::element doc = parser.parse(r.body).value();
        std::lock_guard lock(acks_mutex);
        acks.push_back({text_of(doc, "id"), receiver, number_of(doc, "position"), before});
        ++acked;
        if (asked) ++acked_after;
      }
    });
  struct Join {
    std::atomic<bool>& done;
    std::vector<std::thread>& threads;
    ~Join() {
      done = true;
      for (auto& t : threads) t.join();
    }
  } join{done, senders};

  REQUIRE_MESSAGE(eventually([&] { return acked >= 50; }), "50 sends were not answered within 10 s");
  asked = true;
  const HttpReply taken = http_call(m.port, "POST", "/admin/backup");
  REQUIRE_MESSAGE(taken.status == 201, taken.body);
  const int answered_by_then = acked;
  // Sends go on after the backup, so that the log holds events the backup must not.
  REQUIRE_MESSAGE(eventually([&] { return acked >= answered_by_then + 20; }), "sends stopped after the backup");
  done = true;
  for (auto& t : senders) t.join();
  senders.clear();
  CHECK(failed == 0);

  simdjson::dom::parser parser;
  const simdjson::dom::element backup = parser.parse(taken.body).value();
  const std::uint64_t last = number_of(backup, "lastPosition");
  const std::string path = text_of(backup, "path");
  CHECK(number_of(backup, "events") == last);
  CHECK(number_of(backup, "bytes") > 0);
  CHECK(std::filesystem::path(path).parent_path() == std::filesystem::path(backups));
  CHECK(text_of(backup, "name").ends_with("-" + std::to_string(last)));
  std::map<std::string, std::uint64_t> position_of;
  for (const auto& a : acks) {
    position_of[a.id] = a.position;
    if (a.before_backup) CHECK_MESSAGE(a.position <= last, "a send answered before the backup is past it: " << a.position);
  }

  // The original's mailboxes, once its views show every send.
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> original;
  for (const auto& receiver : kReceivers) {
    const auto want = std::count_if(acks.begin(), acks.end(), [&](const Ack& a) { return a.receiver == receiver; });
    REQUIRE_MESSAGE(eventually([&] { return static_cast<long>(mailbox_rows(m.port, receiver).size()) == want; }),
                    "the original's view of " << receiver << " did not show its " << want << " messages");
    original[receiver] = mailbox_rows(m.port, receiver);
  }
  REQUIRE(m.stop().exit_code == 0);

  const ProcessResult restore = run_process(MAILBOX_REPLAY_PATH, {"restore", "--from", path, "--data", restored});
  REQUIRE_MESSAGE(restore.exit_code == 0, restore.out << restore.err);
  CHECK(restore.out.find("0 differences") != std::string::npos);

  {
    // Event for event, the restored log is the original's up to lastPosition, and ends there.
    auto from = open_log(data), copy = open_log(restored);
    CHECK(copy->head() == last);
    CHECK(from->head() > last);
    const auto want = from->read_log(1, last).value(), have = copy->read_log(1, last + 1).value();
    REQUIRE(have.size() == want.size());
    for (std::size_t i = 0; i < want.size(); ++i) {
      CAPTURE(want[i].position);
      CHECK(have[i].position == want[i].position);
      CHECK(have[i].id == want[i].id);
      CHECK(have[i].timestamp_us == want[i].timestamp_us);
      CHECK(have[i].stream == want[i].stream);
      CHECK(have[i].type == want[i].type);
      CHECK(have[i].payload == want[i].payload);
    }
    for (const auto& a : acks)
      if (a.position <= last) CHECK(copy->read_event(a.position).value().stream == "message-" + a.id);
  }

  // mailboxd on the restored folder serves what the original served of those messages.
  auto again = start_mailboxd(MAILBOXD_PATH, {"--data", restored});
  REQUIRE(wait_ready(again.port));
  for (const auto& receiver : kReceivers) {
    std::vector<std::pair<std::string, std::string>> want;
    for (const auto& row : original[receiver]) {
      REQUIRE_MESSAGE(position_of.contains(row.first), "a message no send answered: " << row.first);
      if (position_of[row.first] <= last) want.push_back(row);
    }
    CHECK_MESSAGE(eventually([&] { return mailbox_rows(again.port, receiver) == want; }),
                  receiver << ": the restored mailbox differs from the original's " << want.size() << " messages");
  }
  CHECK(stop(again).exit_code == 0);
}

TEST_CASE("a second backup asked for while one is held open gets 409 backup_running, and the first still completes") {
  HeldBackups held;
  BackupRequest asking(held);
  REQUIRE_MESSAGE(held.hold.wait_arrived(1, 10s), "the first backup never began copying the log");

  const HttpReply second = http_call(held.port(), "POST", "/admin/backup");
  CHECK(second.status == 409);
  CHECK(second.header("content-type") == "application/problem+json");
  CHECK(second.body.find(R"("code":"backup_running")") != std::string::npos);

  const HttpReply first = asking.wait();
  CHECK_MESSAGE(first.status == 201, first.body);
  // Once the first has answered, the next one may start (the hold is released).
  const HttpReply third = http_call(held.port(), "POST", "/admin/backup");
  CHECK_MESSAGE(third.status == 201, third.body);
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(held.backups.path())) names.push_back(e.path().filename());
  CHECK_MESSAGE(names.size() == 2, "two backups and nothing else, not a half one");
  for (const auto& name : names) CHECK_MESSAGE(!name.starts_with("."), name);
}

TEST_CASE("a shutdown ends a backup in progress: it answers 503 and leaves no folder behind") {
  HeldBackups held;
  BackupRequest asking(held);
  REQUIRE_MESSAGE(held.hold.wait_arrived(1, 10s), "the backup never began copying the log");
  held.server->engine->stop();
  const HttpReply answered = asking.wait();
  CHECK_MESSAGE(answered.status == 503, answered.body);
  CHECK(std::filesystem::is_empty(held.backups.path()));
}
