// A failover in sync mode on a three-server NATS cluster (R3), under a steady send
// load: a NATS server lost, then the writer; a replica promoted; the old writer back
// as a replica. Real mailboxd processes, real nats-servers, a webhook stand-in.
#include <doctest/doctest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>

#include "tests/replication/replication_fixture.h"
#include "tests/support/eventually.h"
#include "tests/support/stand_in.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace mailbox::testing;
using namespace std::chrono_literals;

namespace {

std::string field(const std::string& body, const std::string& name) {
  std::smatch m;
  if (std::regex_search(body, m, std::regex("\"" + name + R"re(":"([^"]*)")re"))) return m[1];
  return "";
}

// Sends keyed messages to whichever server `target` names until stopped; a key is
// retried until it gets a final answer (201), as a client told outcome_unknown would.
class SendLoad {
 public:
  explicit SendLoad(std::uint16_t port) : target_(port) {
    thread_ = std::thread([this] { run(); });
  }
  ~SendLoad() { stop(); }
  void retarget(std::uint16_t port) { target_ = port; }
  void stop() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::size_t acknowledged() const {
    std::lock_guard lock(mutex_);
    return acknowledged_.size();
  }
  // message id -> log position, for every 201.
  std::map<std::string, std::uint64_t> acknowledged_ids() const {
    std::lock_guard lock(mutex_);
    return acknowledged_;
  }
  std::map<int, int> statuses() const {
    std::lock_guard lock(mutex_);
    return statuses_;
  }

 private:
  void run() {
    int n = 0;
    std::string key = "load-0";
    while (!stopping_) {
      auto r = keyed_send(target_, key, "01033334444", "load " + key);
      {
        std::lock_guard lock(mutex_);
        ++statuses_[r.status];
        if (r.status == 201) {
          const Sent sent = sent_of(r.body);
          acknowledged_.emplace(sent.id, sent.position);
        }
      }
      if (r.status == 201) key = "load-" + std::to_string(++n);
      else std::this_thread::sleep_for(20ms);
    }
  }
  std::atomic<std::uint16_t> target_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::map<std::string, std::uint64_t> acknowledged_;
  std::map<int, int> statuses_;
  std::thread thread_;
};

}  // namespace

TEST_CASE("sync mode on R3: a NATS server and then the writer lost under load, a replica promoted, the old writer back as a replica, and every 201 kept once with one alarm id per kind") {
  TempDir dir;
  NatsCluster cluster(dir.sub("nats"));
  std::mutex alarms_mutex;
  std::map<std::string, std::set<std::string>> alarm_ids;  // messageId/kind -> alarm ids delivered
  StandIn webhook([&](const server::HttpRequest& req) {
    std::lock_guard lock(alarms_mutex);
    alarm_ids[field(req.body, "messageId") + "/" + field(req.body, "kind")].insert(field(req.body, "alarmId"));
    return server::HttpResponse{};
  });
  const std::vector<std::string> sync = {"--replicate-mode", "sync", "--replicate-replicas", "3",
                                         "--alarm-webhook", webhook.url("/alarms")};
  auto writer = start_writer(dir.sub("w"), cluster.urls(), sync);
  std::vector<std::string> replica_flags = sync;
  replica_flags.insert(replica_flags.end(), {"--advertise-url", "http://replica-a.test:8080"});
  auto a = start_replica(dir.sub("a"), cluster.urls(), replica_flags);

  SendLoad load(writer->port);
  REQUIRE_MESSAGE(eventually([&] { return load.acknowledged() >= 20; }, 30s), "no sends acknowledged at first");
  // A NATS server lost: the other two keep the quorum, sends go on.
  cluster.server(0).kill();
  const std::size_t before_server_loss = load.acknowledged();
  REQUIRE_MESSAGE(eventually([&] { return load.acknowledged() >= before_server_loss + 20; }, 60s),
                  "sends stopped after a NATS server was lost");

  // The writer lost: a replica is promoted, once it holds what the stream holds.
  writer->kill();
  HttpReply promoted;
  REQUIRE_MESSAGE(eventually([&] {
                    promoted = http_call(a->port, "POST", "/admin/promote");
                    return promoted.status == 200;
                  }, 60s, 200ms),
                  "promotion: " << promoted.status << " " << promoted.body);
  load.retarget(a->port);
  const std::size_t before_promotion = load.acknowledged();
  REQUIRE_MESSAGE(eventually([&] { return load.acknowledged() >= before_promotion + 20; }, 60s),
                  "the promoted replica took no sends");
  load.stop();
  MESSAGE("answers by status: " << [&] {
    std::string s;
    for (auto [status, n] : load.statuses()) s += std::to_string(status) + ": " + std::to_string(n) + "  ";
    return s;
  }());

  // Every 201 is in the new writer's log exactly once, positions gapless; each message
  // got one Saved and one alarm id per kind, and the webhook saw that alarm id (maybe
  // twice: delivery is at least once) and no other.
  REQUIRE(all_shipped(a->port, 30s));
  const auto acknowledged = load.acknowledged_ids();
  std::map<std::string, int> sent, saved;
  std::map<std::string, std::set<std::string>> alarmed;  // messageId/kind -> alarm ids in the log
  REQUIRE(eventually([&] {
    const auto events = log_of(a->port);
    sent.clear();
    saved.clear();
    alarmed.clear();
    std::uint64_t expected = 1;
    for (const auto& e : events) {
      CHECK(e.position == expected);
      expected = e.position + 1;
      if (e.type == "Sent") ++sent[field(e.data, "messageId")];
      if (e.type == "Saved") ++saved[field(e.data, "messageId")];
      if (e.type == "Alarmed")
        alarmed[field(e.data, "messageId") + "/" + field(e.data, "kind")].insert(field(e.data, "alarmId"));
    }
    return alarmed.size() == 2 * sent.size();
  }, 30s));
  for (const auto& [id, position] : acknowledged) {
    CHECK_MESSAGE(sent[id] == 1, "message " << id << " (position " << position << ")");
    CHECK_MESSAGE(saved[id] == 1, "message " << id);
  }
  for (const auto& [id, count] : sent) {
    CHECK(count == 1);
    CHECK(saved[id] == 1);
  }
  for (const auto& [key, ids] : alarmed) CHECK_MESSAGE(ids.size() == 1, key);
  REQUIRE(eventually([&] {
    std::lock_guard lock(alarms_mutex);
    return alarm_ids.size() == alarmed.size();
  }, 30s));
  {
    std::lock_guard lock(alarms_mutex);
    for (const auto& [key, ids] : alarm_ids) CHECK_MESSAGE(ids == alarmed[key], key);
  }

  // The old writer comes back as it was: fenced, it takes no send.
  {
    auto fenced = start_writer(dir.sub("w"), cluster.urls(), sync);
    const bool is_fenced = eventually([&] {
      return http_call(fenced->port, "GET", "/readyz").body.find(R"("code":"fenced")") != std::string::npos;
    }, 30s);
    if (!is_fenced) {
      const auto ready = http_call(fenced->port, "GET", "/readyz").body;
      const auto output = fenced->stop(false);
      FAIL("the old writer was not fenced: /readyz " << ready << "\n" << output.substr(output.size() > 4000 ? output.size() - 4000 : 0));
    }
    CHECK(keyed_send(fenced->port, "after-fencing", "01033334444", "refused").status == 503);
    fenced->stop();
  }
  // Then as a replica: whatever it held past the stream is cut, and its log ends up the
  // new writer's.
  auto old = start_replica(dir.sub("w"), cluster.urls(), {"--replicate-mode", "sync"});
  // What it cut was never acknowledged (sync mode): every 201 is in the new writer's log.
  MESSAGE("the old writer cut " << metric(old->port, "mailbox_replication_cut_events") << " events");
  REQUIRE(eventually([&] { return head_of(old->port) == head_of(a->port); }, 30s));
  old->stop();
  a->stop();
  const auto same = verify_against(dir.sub("a"), dir.sub("w"));
  CHECK_MESSAGE(same.exit_code == 0, same.out << same.err);
}
