// Replication through a real nats-server with JetStream: a writer (mailboxd
// --replicate) and read replicas (mailboxd --follow) as real processes.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "bench/mailbox_log.h"
#include "tests/replication/replication_fixture.h"
#include "tests/support/eventually.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace mailbox::testing;
using namespace std::chrono_literals;

namespace {

// Sends from `threads` threads until told to stop (or `each` sends per thread), and
// keeps what was acknowledged.
struct SendLoad {
  std::vector<std::thread> threads;
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::vector<std::pair<std::string, Sent>> acknowledged;  // receiver, send
  std::atomic<int> failed{0};

  SendLoad(std::uint16_t port, int n, int each) {
    for (int t = 0; t < n; ++t)
      threads.emplace_back([this, port, t, each] {
        const std::string receiver = "0109000000" + std::to_string(t);
        for (int i = 0; (each == 0 || i < each) && !stop; ++i) {
          auto [status, sent] = send_message(port, "01011112222", receiver, "m" + std::to_string(i));
          if (status == 201) {
            std::lock_guard lock(mutex);
            acknowledged.emplace_back(receiver, sent);
          } else {
            ++failed;
          }
        }
      });
  }
  // Waits for the senders; with stop_now, tells them to stop first.
  void join(bool stop_now) {
    stop = stop_now;
    for (auto& t : threads) t.join();
  }
};

// Every acknowledged send reads on the replica at its position, without X-Stale.
void check_readable(std::uint16_t replica, const std::vector<std::pair<std::string, Sent>>& sends) {
  for (const auto& [receiver, sent] : sends) {
    auto r = http_call(replica, "GET",
                       "/readmails/" + sent.id + "?min_position=" + std::to_string(sent.position) + "&wait_ms=10000");
    CHECK_MESSAGE(r.status == 200, "message " << sent.id << " at position " << sent.position << ": " << r.body);
    CHECK_MESSAGE(r.header("x-stale").empty(), "the replica did not reach position " << sent.position);
  }
}

// Waits until a replica has copied up to the writer's last position.
void wait_caught_up(std::uint16_t replica, std::uint64_t position) {
  REQUIRE_MESSAGE(eventually([&] { return metric(replica, "mailbox_replication_position") >= static_cast<double>(position); }, 30s),
                  "the replica did not reach position " << position);
}

}  // namespace

TEST_CASE("a writer and two replicas under a send load: every 201 reads on both replicas, and the logs end the same") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url());
  auto r1 = start_replica(dir.sub("r1"), nats.url());
  auto r2 = start_replica(dir.sub("r2"), nats.url());

  SendLoad load(writer->port, 4, 50);
  load.join(false);
  CHECK(load.failed == 0);
  REQUIRE(load.acknowledged.size() == 200);
  check_readable(r1->port, load.acknowledged);
  check_readable(r2->port, load.acknowledged);

  // A replica takes no send: 421 with the writer's URL, nothing written.
  auto refused = http_call(r1->port, "POST", "/mobiles", R"({"user":"01011112222","receiver":"01033334444","text":"x"})",
                           {{"Content-Type", "application/json"}});
  CHECK(refused.status == 421);
  CHECK(refused.body.find(R"("code":"read_replica")") != std::string::npos);
  CHECK(refused.body.find(R"("writer":")" + kWriterUrl + "\"") != std::string::npos);
  // The writer's epoch is in the log, on the replica too.
  auto events = http_call(r1->port, "GET", "/events?type=WriterEpoch");
  CHECK(events.body.find(R"("url":")" + kWriterUrl + "\"") != std::string::npos);

  // Read your writes when nothing follows: a mark read's Read is the last event, and
  // the mailbox policy's checkpoint past it moves without an event of its own.
  const auto& [receiver, last] = load.acknowledged.back();
  auto read = http_call(writer->port, "POST", "/readmails/" + last.id + "/read", R"({"receiver":")" + receiver + "\"}",
                        {{"Content-Type", "application/json"}});
  REQUIRE(read.status == 200);
  std::smatch m;
  REQUIRE(std::regex_search(read.body, m, std::regex(R"re("position":(\d+))re")));
  auto seen = http_call(r1->port, "GET", "/readmails/" + last.id + "?min_position=" + std::string(m[1]) + "&wait_ms=5000");
  CHECK(seen.header("x-stale").empty());
  CHECK(seen.body.find(R"("read":true)") != std::string::npos);

  const double head = metric(writer->port, "mailbox_log_head_position");
  writer->stop();
  wait_caught_up(r1->port, static_cast<std::uint64_t>(head));
  wait_caught_up(r2->port, static_cast<std::uint64_t>(head));
  // The writer's last checkpoints shipped as it stopped: give the replicas a moment.
  std::this_thread::sleep_for(300ms);
  r1->stop();
  r2->stop();
  for (const char* replica : {"r1", "r2"}) {
    auto same = verify_against(dir.sub("w"), dir.sub(replica));
    CHECK_MESSAGE(same.exit_code == 0, same.out << same.err);
  }
  // The writer epoch is in the log's dump, and left out of the seed's shape.
  ChildProcess dump(MAILBOX_REPLAY_PATH, {"dump", "--data", dir.sub("r1"), "--type", "WriterEpoch"});
  CHECK(dump.wait(std::chrono::seconds(30)).out.find(R"("type":"WriterEpoch")") != std::string::npos);
  ChildProcess seed(MAILBOX_REPLAY_PATH, {"dump", "--data", dir.sub("r1"), "--format", "seed"});
  auto seed_out = seed.wait(std::chrono::seconds(30)).out;
  CHECK(seed_out.find("\"eventType\":\"Sent\"") != std::string::npos);
  CHECK(seed_out.find("WriterEpoch") == std::string::npos);
  // And a tampered copy is told apart, naming where.
  auto differs = verify_against(dir.sub("w"), dir.sub("nats"));
  CHECK(differs.exit_code != 0);
}

TEST_CASE("a NATS server restarted and JetStream down under load: sends go on, nothing lost, nothing twice") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url());
  auto replica = start_replica(dir.sub("r"), nats.url());

  SendLoad load(writer->port, 2, 0);
  std::this_thread::sleep_for(500ms);
  nats.stop();  // JetStream down: the writer goes on, the backlog grows
  std::this_thread::sleep_for(1s);
  REQUIRE(eventually([&] { return metric(writer->port, "mailbox_replication_lag_events") > 0; }, 10s));
  CHECK(metric(writer->port, "mailbox_replication_connected") == 0);
  nats.start();
  std::this_thread::sleep_for(1s);
  load.join(true);
  CHECK(load.failed == 0);
  REQUIRE(load.acknowledged.size() > 10);

  const double head = metric(writer->port, "mailbox_log_head_position");
  if (!all_shipped(writer->port, 30s)) {
    auto metrics = http_call(writer->port, "GET", "/metrics").body;
    FAIL("the backlog did not ship: " << metrics.substr(metrics.find("mailbox_replication")) << writer->stop(false));
  }
  wait_caught_up(replica->port, static_cast<std::uint64_t>(head));
  check_readable(replica->port, load.acknowledged);
  writer->stop();
  std::this_thread::sleep_for(300ms);
  replica->stop();
  auto same = verify_against(dir.sub("w"), dir.sub("r"));
  CHECK_MESSAGE(same.exit_code == 0, same.out << same.err);
}

TEST_CASE("a replica started empty against a long stream catches up, and is unready until then") {
  const char* env = std::getenv("MAILBOX_REPLICATION_EVENTS");
  const std::uint64_t events = env ? std::stoull(env) : 100'000;
  TempDir dir;
  {
    std::filesystem::create_directories(dir.sub("w"));
    auto log = eventstore::EventStore::open(dir.sub("w") + "/log");
    REQUIRE(log.has_value());
    REQUIRE(bench::write_mailbox_log(**log, events).has_value());
  }
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url());
  REQUIRE(eventually([&] { return metric(writer->port, "mailbox_replication_position") >= static_cast<double>(events); }, 120s));
  const double head = metric(writer->port, "mailbox_log_head_position");

  const auto started = std::chrono::steady_clock::now();
  auto replica = start_replica(dir.sub("r"), nats.url(), {"--follow-max-lag", "10"});
  auto ready = http_call(replica->port, "GET", "/readyz");
  const bool unready_at_first = ready.status == 503;
  REQUIRE(eventually([&] { return http_call(replica->port, "GET", "/readyz").status == 200; }, 120s));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  MESSAGE("a replica copied " << head << " events in " << seconds << " s");
  CHECK(metric(replica->port, "mailbox_replication_position") >= head - 10);
  if (!unready_at_first) MESSAGE("the replica was ready at its first /readyz (it caught up that fast)");
  if (unready_at_first) CHECK(ready.body.find("replica_behind") != std::string::npos);
  writer->stop();
  wait_caught_up(replica->port, static_cast<std::uint64_t>(head));
  std::this_thread::sleep_for(300ms);
  replica->stop();
  auto same = verify_against(dir.sub("w"), dir.sub("r"));
  CHECK_MESSAGE(same.exit_code == 0, same.out << same.err);
}

TEST_CASE("a second writer on the same stream is fenced: it ships nothing and says so in /readyz") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url());
  REQUIRE(send_message(writer->port, "01011112222", "01033334444", "first").first == 201);
  REQUIRE(all_shipped(writer->port));
  auto other = start_writer(dir.sub("other"), nats.url());
  REQUIRE(eventually([&] { return http_call(other->port, "GET", "/readyz").body.find(R"("code":"fenced")") != std::string::npos; }));
  CHECK(metric(other->port, "mailbox_replication_fenced") == 1);
  CHECK(metric(other->port, "mailbox_replication_messages_total") == 0);
  // The first writer, restarted, finds the stream's end is its own and goes on (epoch 2).
  writer->stop();
  writer = start_writer(dir.sub("w"), nats.url());
  REQUIRE(send_message(writer->port, "01011112222", "01033334444", "second").first == 201);
  REQUIRE(all_shipped(writer->port));
  CHECK(metric(writer->port, "mailbox_replication_epoch") == 2);
  CHECK(metric(writer->port, "mailbox_replication_fenced") == 0);
  other->stop();
  writer->stop();
}

TEST_CASE("a replica whose next position has left the stream refuses to start, saying to seed it from a backup") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url(), {"--replicate-max-bytes", "8KB"});
  // Sends from four clients at once: a wave of them ships in messages small enough for
  // the stream to keep its latest ones (one larger than its limit would leave it empty).
  std::atomic<int> stored{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c)
    clients.emplace_back([&] {
      for (int i = 0; i < 20; ++i)
        if (send_message(writer->port, "01011112222", "01033334444", "m").first == 201) ++stored;
    });
  for (auto& t : clients) t.join();
  REQUIRE(stored == 80);
  REQUIRE(all_shipped(writer->port));
  ChildProcess replica(MAILBOXD_PATH, {"--data", dir.sub("r"), "--follow", nats.url(), "--listen", "127.0.0.1:0"});
  auto out = replica.wait(20s);
  CHECK(out.exit_code == 1);
  CHECK_MESSAGE(out.err.find("after this replica's next position 1") != std::string::npos, out.err << out.out);
  CHECK_MESSAGE(out.err.find("seed this replica from a backup") != std::string::npos, out.err << out.out);
  writer->stop();
}

TEST_CASE("a backup of the writer seeds a read replica, which goes on from the stream after the backup's last position") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url(), {"--backup-dir", dir.sub("backups")});
  for (int i = 0; i < 5; ++i) REQUIRE(send_message(writer->port, "01011112222", "01033334444", "before").first == 201);
  auto backup = http_call(writer->port, "POST", "/admin/backup");
  REQUIRE(backup.status == 201);
  std::smatch m;
  REQUIRE(std::regex_search(backup.body, m, std::regex(R"re("path":"([^"]+)")re")));
  const std::string folder = m[1];
  Sent later;
  for (int i = 0; i < 5; ++i) {
    auto [status, sent] = send_message(writer->port, "01011112222", "01033334444", "after");
    REQUIRE(status == 201);
    later = sent;
  }
  ChildProcess restore(MAILBOX_REPLAY_PATH, {"restore", "--from", folder, "--data", dir.sub("r")});
  auto restored = restore.wait(std::chrono::seconds(60));
  REQUIRE_MESSAGE(restored.exit_code == 0, restored.out << restored.err);
  auto replica = start_replica(dir.sub("r"), nats.url());
  auto r = http_call(replica->port, "GET", "/readmails/" + later.id + "?min_position=" + std::to_string(later.position) + "&wait_ms=10000");
  CHECK(r.status == 200);
  CHECK(r.header("x-stale").empty());
  // It did not copy the stream from the start: fewer events copied than the log holds.
  CHECK(metric(replica->port, "mailbox_replication_events_total") < metric(writer->port, "mailbox_log_head_position"));
  const double head = metric(writer->port, "mailbox_log_head_position");
  writer->stop();
  wait_caught_up(replica->port, static_cast<std::uint64_t>(head));
  std::this_thread::sleep_for(300ms);
  replica->stop();
  auto same = verify_against(dir.sub("w"), dir.sub("r"));
  CHECK_MESSAGE(same.exit_code == 0, same.out << same.err);
}
