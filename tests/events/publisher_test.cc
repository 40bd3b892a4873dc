// The events publisher in process, over a log of the test's and a real nats-server:
// what mailboxd --publish-events runs, without the rest of mailboxd.
#include <doctest/doctest.h>

#include <set>

#include "app/events.h"
#include "app/publisher/event_publisher.h"
#include "app/replication/nats_link.h"
#include "tests/support/eventually.h"
#include "tests/support/nats_server.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace mailbox::testing;
using namespace std::chrono_literals;

namespace {

// Appends a Sent, or a WriterEpoch when epoch is set; returns its position.
std::uint64_t append(eventstore::EventStore& log, int i, bool epoch = false) {
  const app::MailboxEvent e = epoch ? app::MailboxEvent(app::WriterEpoch{1, "http://w", 1})
                                    : app::MailboxEvent(app::Sent{"m" + std::to_string(i), "01011112222",
                                                                  "01033334444", "t", 1'764'000'000'000'000, ""});
  eventstore::NewEvent ne;
  ne.type = std::string(app::type_of(e));
  ne.payload = app::encode(e);
  auto r = log.append("message-m" + std::to_string(i), eventstore::ExpectedVersion::any(), {std::move(ne)});
  REQUIRE_MESSAGE(r.has_value(), r.error().message);
  return log.head();
}

publisher::PublisherOptions options_for(const NatsServer& nats) {
  publisher::PublisherOptions o;
  o.nats.urls = {nats.url()};
  return o;
}

// The Mailbox-Position of every message in the stream, in order.
std::vector<std::uint64_t> published_positions(const NatsServer& nats) {
  replication::NatsOptions o;
  o.urls = {nats.url()};
  auto link = replication::NatsLink::connect(o);
  REQUIRE(link.has_value());
  auto state = (*link)->stream_state("MAILBOX_EVENTS");
  REQUIRE(state.has_value());
  REQUIRE(state->has_value());
  std::vector<std::uint64_t> out;
  for (std::uint64_t seq = (*state)->first_sequence; seq > 0 && seq <= (*state)->last_sequence; ++seq) {
    auto m = (*link)->message("MAILBOX_EVENTS", seq);
    REQUIRE(m.has_value());
    if (*m) out.push_back(std::stoull((**m).header("Mailbox-Position")));
  }
  return out;
}

void wait_caught_up(const publisher::EventPublisher& p, const eventstore::EventStore& log) {
  REQUIRE_MESSAGE(eventually([&] {
                    auto s = p.status();
                    return s.lag_events == 0 && s.position >= log.head();
                  }, 30s),
                  "the publisher did not catch up: lag " << p.status().lag_events);
}

}  // namespace

TEST_CASE("the publisher in process: every event but WriterEpoch once, in order, and started again over the same log only what came since") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto log = eventstore::EventStore::open(dir.sub("log"));
  REQUIRE(log.has_value());
  for (int i = 1; i <= 30; ++i) (void)append(**log, i, i == 10);
  {
    publisher::EventPublisher p(**log, options_for(nats));
    REQUIRE(p.start().has_value());
    wait_caught_up(p, **log);
    CHECK(p.status().published == 29);
    CHECK(p.status().connected);
    p.stop();
  }
  for (int i = 31; i <= 40; ++i) (void)append(**log, i);
  {
    publisher::EventPublisher p(**log, options_for(nats));
    REQUIRE(p.start().has_value());
    wait_caught_up(p, **log);
    CHECK(p.status().published == 10);
    CHECK(p.status().errors == 0);
    p.stop();
  }
  std::vector<std::uint64_t> expected;
  for (std::uint64_t i = 1; i <= 40; ++i)
    if (i != 10) expected.push_back(i);
  CHECK(published_positions(nats) == expected);
}

TEST_CASE("the publisher in process with NATS down: it starts, counts its lag, and publishes everything once NATS is back") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  nats.stop();
  auto log = eventstore::EventStore::open(dir.sub("log"));
  REQUIRE(log.has_value());
  publisher::EventPublisher p(**log, options_for(nats));
  REQUIRE(p.start().has_value());
  for (int i = 1; i <= 5; ++i) (void)append(**log, i);
  CHECK(p.status().lag_events == 5);
  CHECK_FALSE(p.status().connected);
  nats.start();
  wait_caught_up(p, **log);
  p.stop();
  CHECK(published_positions(nats) == std::vector<std::uint64_t>{1, 2, 3, 4, 5});
}
