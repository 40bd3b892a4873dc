// Promotion of a read replica to writer (POST /admin/promote) and fencing of the old
// writer, with real mailboxd processes and a real nats-server.
#include <doctest/doctest.h>

#include <regex>
#include <string>

#include "tests/replication/replication_fixture.h"
#include "tests/support/eventually.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace mailbox::testing;
using namespace std::chrono_literals;

namespace {

const std::string kReplicaUrl = "http://replica-a.test:8080";

}  // namespace

TEST_CASE("a replica of a lost writer is promoted: it takes sends, its policies go on once, other replicas follow it, and the old writer comes back fenced") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url());
  auto a = start_replica(dir.sub("a"), nats.url(), {"--advertise-url", kReplicaUrl});
  auto b = start_replica(dir.sub("b"), nats.url());
  std::uint64_t last = 0;
  for (int i = 0; i < 20; ++i) {
    auto [status, sent] = send_message(writer->port, "01011112222", "01033334444", "before " + std::to_string(i));
    REQUIRE(status == 201);
    last = sent.position;
  }
  // Shipped with the policies' events and checkpoints, then the writer's machine is lost.
  REQUIRE(mailbox_at(writer->port, "01033334444", last).header("x-stale").empty());
  REQUIRE(all_shipped(writer->port, 30s));
  const std::uint64_t writer_head = head_of(writer->port);
  writer->kill();
  REQUIRE_MESSAGE(eventually([&] { return head_of(a->port) == writer_head; }, 30s), "replica a did not catch up");

  auto promoted = http_call(a->port, "POST", "/admin/promote");
  REQUIRE_MESSAGE(promoted.status == 200, promoted.body);
  CHECK(promoted.body.find(R"("epoch":2)") != std::string::npos);
  CHECK(promoted.body.find(R"("writer":")" + kReplicaUrl + "\"") != std::string::npos);
  CHECK(promoted.body.find(R"("inStream":true)") != std::string::npos);
  CHECK(http_call(a->port, "POST", "/admin/promote").body.find("not_a_replica") != std::string::npos);

  for (int i = 0; i < 10; ++i) {
    auto [status, sent] = send_message(a->port, "01011112222", "01033334444", "after " + std::to_string(i));
    REQUIRE(status == 201);
    last = sent.position;
  }
  // Its policies derive each message's Saved and both alarms once: none twice for the
  // messages from before (their checkpoints came with the log), none missing after.
  const auto mailbox = mailbox_at(a->port, "01033334444", last);
  CHECK(mailbox.header("x-stale").empty());
  REQUIRE(eventually([&] { return count_events(a->port, "Alarmed") == 60; }, 30s));
  CHECK(count_events(a->port, "Sent") == 30);
  CHECK(count_events(a->port, "Saved") == 30);
  CHECK(count_events(a->port, "WriterEpoch") == 2);

  // The other replica follows the new writer and points clients to it.
  CHECK(mailbox_at(b->port, "01033334444", last).header("x-stale").empty());
  auto refused = send_message(b->port, "01011112222", "01033334444", "to a replica");
  CHECK(refused.first == 421);
  CHECK(http_call(b->port, "POST", "/mobiles", R"({"user":"01011112222","receiver":"01033334444","text":"x"})",
                  {{"Content-Type", "application/json"}})
            .body.find(kReplicaUrl) != std::string::npos);

  // The old writer comes back: the stream's end is not its own, so it is fenced, says
  // so, and takes no send (nothing stored).
  auto old = start_writer(dir.sub("w"), nats.url());
  REQUIRE(eventually([&] { return http_call(old->port, "GET", "/readyz").body.find(R"("code":"fenced")") != std::string::npos; }, 30s));
  const std::uint64_t old_head = head_of(old->port);
  auto fenced = http_call(old->port, "POST", "/mobiles", R"({"user":"01011112222","receiver":"01033334444","text":"x"})",
                          {{"Content-Type", "application/json"}});
  CHECK(fenced.status == 503);
  CHECK(fenced.body.find(R"("code":"fenced")") != std::string::npos);
  CHECK(fenced.header("retry-after") == "1");
  CHECK(head_of(old->port) == old_head);
  old->stop();

  // The replica's log is the new writer's, byte for byte.
  REQUIRE(eventually([&] { return head_of(b->port) == head_of(a->port); }, 30s));
  b->stop();
  a->stop();
  const auto same = verify_against(dir.sub("a"), dir.sub("b"));
  CHECK_MESSAGE(same.exit_code == 0, same.out << same.err);
}

TEST_CASE("a writer that another has fenced exits with code 3 under --exit-when-fenced") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url());
  REQUIRE(send_message(writer->port, "01011112222", "01033334444", "first").first == 201);
  REQUIRE(all_shipped(writer->port, 30s));
  auto other = start_writer(dir.sub("other"), nats.url(), {"--exit-when-fenced"});
  CHECK(other->wait_exit(30s) == 3);
  writer->stop();
}

TEST_CASE("promotion is refused on a process that is not a read replica") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url());
  auto r = http_call(writer->port, "POST", "/admin/promote");
  CHECK(r.status == 409);
  CHECK(r.body.find(R"("code":"not_a_replica")") != std::string::npos);
  writer->stop();
}

TEST_CASE("a fenced writer restarted with --follow cuts the tail the stream never took, counts its sends as lost, rebuilds its views and follows the new writer") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url());
  auto a = start_replica(dir.sub("a"), nats.url(), {"--advertise-url", kReplicaUrl});
  std::uint64_t last = 0;
  for (int i = 0; i < 5; ++i) {
    auto [status, sent] = send_message(writer->port, "01011112222", "01033334444", "shipped " + std::to_string(i));
    REQUIRE(status == 201);
    last = sent.position;
  }
  REQUIRE(mailbox_at(writer->port, "01033334444", last).header("x-stale").empty());
  REQUIRE(all_shipped(writer->port, 30s));
  const std::uint64_t shipped = head_of(writer->port);
  REQUIRE_MESSAGE(eventually([&] { return head_of(a->port) == shipped; }, 30s), "replica a did not catch up");

  // JetStream goes away; the writer (async) acknowledges three sends it cannot ship, and
  // its machine is lost.
  nats.stop();
  for (int i = 0; i < 3; ++i) {
    auto [status, sent] = send_message(writer->port, "01011112222", "01033334444", "unshipped " + std::to_string(i));
    REQUIRE(status == 201);
    last = sent.position;
  }
  REQUIRE(mailbox_at(writer->port, "01033334444", last).header("x-stale").empty());
  CHECK(head_of(writer->port) > shipped);
  writer->kill();

  nats.start();
  HttpReply promoted;
  REQUIRE_MESSAGE(eventually([&] {
                    promoted = http_call(a->port, "POST", "/admin/promote");
                    return promoted.status == 200;
                  }, 30s),
                  promoted.body);
  for (int i = 0; i < 4; ++i) {
    auto [status, sent] = send_message(a->port, "01011112222", "01033334444", "new writer " + std::to_string(i));
    REQUIRE(status == 201);
    last = sent.position;
  }
  REQUIRE(mailbox_at(a->port, "01033334444", last).header("x-stale").empty());

  // The old writer comes back as a replica: its tail from the position after `shipped`
  // differs from the stream (the new writer's epoch is there), so it is cut.
  auto old = start_replica(dir.sub("w"), nats.url());
  CHECK(metric(old->port, "mailbox_replication_cut_sends") == 3);
  CHECK(metric(old->port, "mailbox_replication_cut_events") >= 3);
  const auto mailbox = mailbox_at(old->port, "01033334444", last);
  CHECK(mailbox.header("x-stale").empty());
  CHECK(mailbox.body.find("new writer 3") != std::string::npos);
  CHECK(mailbox.body.find("unshipped") == std::string::npos);
  CHECK(mailbox.body.find("shipped 4") != std::string::npos);
  REQUIRE(eventually([&] { return head_of(old->port) == head_of(a->port); }, 30s));
  const std::string output = old->stop();
  CHECK(output.find("left stream MAILBOX at position " + std::to_string(shipped + 1)) != std::string::npos);
  a->stop();
  const auto same = verify_against(dir.sub("a"), dir.sub("w"));
  CHECK_MESSAGE(same.exit_code == 0, same.out << same.err);
}

TEST_CASE("a replica whose log is another's is refused at start and cut nowhere") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url());
  REQUIRE(send_message(writer->port, "01011112222", "01033334444", "on the stream").first == 201);
  REQUIRE(all_shipped(writer->port, 30s));
  // Another log, never shipped to this stream.
  Node other(start_mailboxd(MAILBOXD_PATH, {"--data", dir.sub("other")}));
  for (int i = 0; i < 3; ++i)
    REQUIRE(send_message(other.port, "01055556666", "01077778888", "elsewhere " + std::to_string(i)).first == 201);
  REQUIRE(eventually([&] { return count_events(other.port, "Alarmed") == 6; }, 30s));
  const std::uint64_t other_head = head_of(other.port);
  other.stop();

  ChildProcess refused(MAILBOXD_PATH, {"--data", dir.sub("other"), "--follow", nats.url(), "--listen", "127.0.0.1:0"});
  const auto r = refused.wait(std::chrono::seconds(30));
  CHECK(r.exit_code != 0);
  CHECK_MESSAGE(r.err.find("is not a copy of it, and is not cut") != std::string::npos, r.err << r.out);
  Node again(start_mailboxd(MAILBOXD_PATH, {"--data", dir.sub("other")}));
  CHECK(head_of(again.port) == other_head);
  again.stop();
  writer->stop();
}

TEST_CASE("a writer restarted with --follow before anyone took over keeps its unshipped tail and is told to ship it") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url());
  REQUIRE(send_message(writer->port, "01011112222", "01033334444", "shipped").first == 201);
  REQUIRE(all_shipped(writer->port, 30s));
  nats.stop();
  REQUIRE(send_message(writer->port, "01011112222", "01033334444", "not shipped").first == 201);
  REQUIRE(eventually([&] { return count_events(writer->port, "Alarmed") == 4; }, 30s));
  const std::uint64_t head = head_of(writer->port);
  writer->stop();
  nats.start();

  ChildProcess refused(MAILBOXD_PATH, {"--data", dir.sub("w"), "--follow", nats.url(), "--listen", "127.0.0.1:0"});
  const auto r = refused.wait(std::chrono::seconds(30));
  CHECK(r.exit_code != 0);
  CHECK_MESSAGE(r.err.find("no other writer has taken over: restart it as the writer") != std::string::npos, r.err << r.out);
  auto again = start_writer(dir.sub("w"), nats.url());
  CHECK(head_of(again->port) >= head);
  REQUIRE(all_shipped(again->port, 30s));
  CHECK(count_events(again->port, "Sent") == 2);
  again->stop();
}
