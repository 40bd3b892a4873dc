// Synchronous replication (--replicate-mode sync): a send is answered once JetStream
// holds it, nothing JetStream lacks is acted on, and a send JetStream does not take in
// time is answered outcome_unknown, its keyed retry later the final outcome. Real
// mailboxd processes and real nats-servers.
#include <doctest/doctest.h>

#include <string>

#include "tests/replication/replication_fixture.h"
#include "tests/support/eventually.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace mailbox::testing;
using namespace std::chrono_literals;

namespace {

std::uint64_t position_in(const std::string& body) {
  const std::uint64_t position = sent_of(body).position;
  REQUIRE_MESSAGE(position != 0, body);
  return position;
}

// Whether the receiver's mailbox lists a message with this text (no wait).
bool mailbox_shows(std::uint16_t port, const std::string& receiver, const std::string& text) {
  auto r = http_call(port, "GET", "/readmails?receiver=" + receiver + "&limit=100");
  REQUIRE(r.status == 200);
  return r.body.find("\"" + text + "\"") != std::string::npos;
}

}  // namespace

TEST_CASE("sync mode: 201 once JetStream holds the send, without JetStream 503 outcome_unknown with nothing acted on, then a keyed retry answers the final outcome") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url(), {"--replicate-mode", "sync", "--replicate-timeout-ms", "300"});

  auto first = keyed_send(writer->port, "key-1", "01033334444", "first");
  REQUIRE_MESSAGE(first.status == 201, first.body);
  // Answered only once in the stream: the shipper had published it by then.
  CHECK(metric(writer->port, "mailbox_replication_position") >= static_cast<double>(position_in(first.body)));
  REQUIRE(mailbox_at(writer->port, "01033334444", position_in(first.body)).header("x-stale").empty());
  REQUIRE(eventually([&] { return count_events(writer->port, "Alarmed") == 2; }, 30s));
  const std::uint64_t head_before = head_of(writer->port);

  nats.stop();
  auto unknown = keyed_send(writer->port, "key-2", "01033334444", "second");
  CHECK(unknown.status == 503);
  CHECK_MESSAGE(unknown.body.find(R"("code":"outcome_unknown")") != std::string::npos, unknown.body);
  CHECK(unknown.header("retry-after") == "1");
  // Stored on this disk, but neither shown, nor derived from, nor alarmed.
  CHECK(head_of(writer->port) == head_before);
  CHECK(count_events(writer->port, "Sent") == 1);
  CHECK_FALSE(mailbox_shows(writer->port, "01033334444", "second"));
  auto again = keyed_send(writer->port, "key-2", "01033334444", "second");
  CHECK(again.status == 503);
  CHECK(again.body.find(R"("code":"outcome_unknown")") != std::string::npos);

  nats.start();
  HttpReply final_answer;
  REQUIRE_MESSAGE(eventually([&] {
                    final_answer = keyed_send(writer->port, "key-2", "01033334444", "second");
                    return final_answer.status == 201;
                  }, 30s),
                  "the keyed retry never got its final outcome: " << final_answer.status << " " << final_answer.body);
  CHECK(final_answer.header("idempotent-replayed") == "true");
  const auto shown = mailbox_at(writer->port, "01033334444", position_in(final_answer.body));
  CHECK(shown.header("x-stale").empty());
  CHECK_MESSAGE(mailbox_shows(writer->port, "01033334444", "second"), shown.body << "\n" << final_answer.body);
  CHECK(count_events(writer->port, "Sent") == 2);
  CHECK(eventually([&] { return count_events(writer->port, "Alarmed") == 4; }, 30s));
  CHECK(count_events(writer->port, "Saved") == 2);
  writer->stop();
}
