// The events for other services (mailboxd --publish-events) through a real nats-server
// with JetStream: what a consumer receives, a publisher killed and started again, NATS
// down and up, a replica that publishes, and the example consumer.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "app/replication/nats_link.h"
#include "tests/replication/replication_fixture.h"
#include "tests/support/eventually.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace mailbox::testing;
using namespace std::chrono_literals;

namespace {

const std::string kStream = "MAILBOX_EVENTS";

std::unique_ptr<Node> start_publishing(const std::string& data, const std::string& nats,
                                       std::vector<std::string> more = {}) {
  std::vector<std::string> args = {"--data", data, "--publish-events", nats};
  args.insert(args.end(), more.begin(), more.end());
  return std::make_unique<Node>(start_mailboxd(MAILBOXD_PATH, args));
}

std::unique_ptr<replication::NatsLink> connect(const NatsServer& nats) {
  replication::NatsOptions options;
  options.urls = {nats.url()};
  options.name = "events-test";
  auto link = replication::NatsLink::connect(options);
  REQUIRE_MESSAGE(link.has_value(), link.error().message);
  return std::move(*link);
}

// A JSON member of a flat object as text: a string's value unescaped of nothing (the
// tests' values have no escapes), or a number's digits; empty when missing.
std::string member(const std::string& json, const std::string& name) {
  std::smatch m;
  if (std::regex_search(json, m, std::regex("\"" + name + R"re(":("([^"]*)"|(-?\d+)))re")))
    return m[2].matched ? m[2].str() : m[3].str();
  return "";
}

// Every message of the events stream, in order.
std::vector<replication::StreamMessage> stream_messages(replication::NatsLink& link) {
  auto state = link.stream_state(kStream);
  REQUIRE_MESSAGE(state.has_value(), state.error().message);
  REQUIRE(state->has_value());
  std::vector<replication::StreamMessage> out;
  for (std::uint64_t seq = (*state)->first_sequence; seq > 0 && seq <= (*state)->last_sequence; ++seq) {
    auto m = link.message(kStream, seq);
    REQUIRE_MESSAGE(m.has_value(), m.error().message);
    if (*m) out.push_back(std::move(**m));
  }
  return out;
}

// Messages of one subject as an ordered consumer receives them, until none comes for
// `quiet` (at most 30 s in all).
std::vector<replication::StreamMessage> receive(replication::NatsLink& link, const std::string& subject,
                                                std::chrono::milliseconds quiet = 1500ms) {
  REQUIRE(link.follow(kStream, subject, 1).has_value());
  std::vector<replication::StreamMessage> out;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = link.next(quiet.count());
    REQUIRE_MESSAGE(m.has_value(), m.error().message);
    if (!*m) break;
    out.push_back(std::move(**m));
  }
  link.unfollow();
  return out;
}

// The stream holds the log's events once each, in order: each message is what
// `mailbox-replay dump --format seed` prints for its event, plus position, eventId and
// stream, with the headers to match. Returns the positions published.
std::vector<std::uint64_t> check_stream_is_the_log(replication::NatsLink& link, const std::string& data) {
  auto messages = stream_messages(link);
  auto dump = run_process(MAILBOX_REPLAY_PATH, {"dump", "--data", data, "--format", "seed"});
  REQUIRE_MESSAGE(dump.exit_code == 0, dump.err);
  std::vector<std::string> lines;
  std::istringstream in(dump.out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  CHECK_MESSAGE(messages.size() == lines.size(), "the stream holds " << messages.size() << " events, the log "
                                                                     << lines.size());
  std::vector<std::uint64_t> positions;
  std::set<std::string> ids;
  for (std::size_t i = 0; i < std::min(messages.size(), lines.size()); ++i) {
    const auto& m = messages[i];
    const std::size_t cut = m.data.rfind(R"(,"position":)");
    REQUIRE(cut != std::string::npos);
    CHECK_MESSAGE(m.data.substr(0, cut) + "}" == lines[i], "stream message " << m.sequence);
    const std::string position = member(m.data, "position"), id = member(m.data, "eventId");
    CHECK(m.header("Mailbox-Position") == position);
    CHECK(m.header("Mailbox-Event-Id") == id);
    CHECK(m.header("Nats-Msg-Id") == id);
    CHECK_MESSAGE(ids.insert(id).second, "event " << id << " is in the stream twice");
    positions.push_back(std::stoull(position));
    if (positions.size() > 1) CHECK_MESSAGE(positions.back() > positions[positions.size() - 2], "out of order at " << m.sequence);
  }
  return positions;
}

// Whether the policies and views have handled the whole log (so that nothing more is
// appended without a send) and the publisher has published all of it.
bool all_published(std::uint16_t port) {
  const std::string body = http_call(port, "GET", "/metrics").body;
  const std::regex follower_lag(R"(\nmailbox_follower_lag_events\{[^}]*\} (\d+))");
  for (auto it = std::sregex_iterator(body.begin(), body.end(), follower_lag); it != std::sregex_iterator(); ++it)
    if ((*it)[1] != "0") return false;
  return metric(port, "mailbox_events_lag_events") == 0 &&
         metric(port, "mailbox_events_position") >= metric(port, "mailbox_log_head_position");
}

// Waits until the log is still and the publisher has published all of it.
void wait_published(std::uint16_t port) {
  REQUIRE_MESSAGE(eventually([&] { return all_published(port); }, 30s),
                  "the publisher did not catch up: lag " << metric(port, "mailbox_events_lag_events"));
}

}  // namespace

TEST_CASE("a consumer on mailbox.events.Sent receives each Sent once, in order, in the seed's shape with position, eventId and stream") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto node = start_publishing(dir.sub("d"), nats.url());
  std::vector<Sent> sends;
  for (int i = 0; i < 20; ++i) {
    auto [status, sent] = send_message(node->port, "01011112222", "0103333444" + std::to_string(i % 3),
                                       "hello " + std::to_string(i));
    REQUIRE(status == 201);
    sends.push_back(sent);
  }
  auto link = connect(nats);
  auto received = receive(*link, "mailbox.events.Sent");
  REQUIRE(received.size() == sends.size());
  for (std::size_t i = 0; i < sends.size(); ++i) {
    const std::string& json = received[i].data;
    CHECK(member(json, "eventType") == "Sent");
    CHECK(member(json, "id") == sends[i].id);
    CHECK(member(json, "user") == "01011112222");
    CHECK(member(json, "receiver") == "0103333444" + std::to_string(i % 3));
    CHECK(member(json, "text") == "hello " + std::to_string(i));
    CHECK(std::stoll(member(json, "timestamp")) > 1'700'000'000'000);  // epoch milliseconds
    CHECK(member(json, "position") == std::to_string(sends[i].position));
    CHECK(member(json, "stream") == "message-" + sends[i].id);
    CHECK(received[i].header("Mailbox-Position") == std::to_string(sends[i].position));
    CHECK(received[i].header("Mailbox-Event-Id") == member(json, "eventId"));
    CHECK(received[i].header("Nats-Msg-Id") == member(json, "eventId"));
    CHECK(json.find("payment") == std::string::npos);
  }
  // One subject per type: the policies' events too.
  wait_published(node->port);
  auto saved = receive(*link, "mailbox.events.Saved", 300ms);
  CHECK(saved.size() == sends.size());
  for (const auto& m : saved) CHECK(member(m.data, "eventType") == "Saved");
  auto alarmed = receive(*link, "mailbox.events.Alarmed", 300ms);
  CHECK(alarmed.size() == 2 * sends.size());  // the sender's and the receiver's
  CHECK(metric(node->port, "mailbox_events_connected") == 1);
  CHECK(metric(node->port, "mailbox_events_published_total") == metric(node->port, "mailbox_log_head_position"));
  CHECK(metric(node->port, "mailbox_events_errors_total") == 0);
  node->stop();
  auto positions = check_stream_is_the_log(*link, dir.sub("d"));
  CHECK(positions.size() == 4 * sends.size());
}

TEST_CASE("the publishing process killed mid-way (SIGKILL) and started again: no event is missing from the stream and none is there twice") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto link = connect(nats);
  auto node = start_publishing(dir.sub("d"), nats.url());
  std::atomic<bool> stop{false};
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t)
    senders.emplace_back([&, t, port = node->port] {
      for (int i = 0; i < 300 && !stop; ++i)
        (void)send_message(port, "01011112222", "0109000000" + std::to_string(t), "m" + std::to_string(i));
    });
  const bool some = eventually([&] {
    auto state = link->stream_state(kStream);
    return state && *state && (*state)->messages >= 200;
  }, 30s);
  node->kill();
  stop = true;
  for (auto& t : senders) t.join();
  REQUIRE_MESSAGE(some, "the publisher published fewer than 200 events in 30 s");
  const auto before = stream_messages(*link);
  REQUIRE(!before.empty());
  const std::uint64_t published_before = std::stoull(before.back().header("Mailbox-Position"));

  node = start_publishing(dir.sub("d"), nats.url());
  const double head_at_restart = metric(node->port, "mailbox_log_head_position");
  MESSAGE("killed with " << published_before << " of " << head_at_restart << " events published");
  for (int i = 0; i < 10; ++i) REQUIRE(send_message(node->port, "01011112222", "01090000009", "after").first == 201);
  wait_published(node->port);
  // Resumed after the stream's last event: nothing published again, whatever the
  // stream's duplicate window would have caught.
  const double head = metric(node->port, "mailbox_log_head_position");
  CHECK(metric(node->port, "mailbox_events_published_total") == head - static_cast<double>(published_before));
  CHECK(metric(node->port, "mailbox_events_errors_total") == 0);
  node->stop();
  auto positions = check_stream_is_the_log(*link, dir.sub("d"));
  // Without replication every event is published: positions 1, 2, 3, ...
  for (std::size_t i = 0; i < positions.size(); ++i) REQUIRE(positions[i] == i + 1);
  CHECK(positions.size() == static_cast<std::size_t>(head));
}

TEST_CASE("NATS down at start and again later: sends go on as fast, and every event arrives once NATS is back") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  nats.stop();
  auto node = start_publishing(dir.sub("d"), nats.url());
  auto send_some = [&](int n) {
    for (int i = 0; i < n; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      REQUIRE(send_message(node->port, "01011112222", "01033334444", "while down").first == 201);
      CHECK(std::chrono::steady_clock::now() - t0 < 1s);
    }
  };
  send_some(10);
  CHECK(metric(node->port, "mailbox_events_connected") == 0);
  CHECK(eventually([&] { return metric(node->port, "mailbox_events_lag_events") > 0; }, 5s));
  nats.start();
  wait_published(node->port);

  nats.stop();
  send_some(20);
  CHECK(eventually([&] { return metric(node->port, "mailbox_events_lag_events") > 0; }, 5s));
  CHECK(metric(node->port, "mailbox_events_lag_seconds") >= 0);
  nats.start();
  wait_published(node->port);
  CHECK(metric(node->port, "mailbox_events_connected") == 1);
  node->stop();
  auto link = connect(nats);
  auto positions = check_stream_is_the_log(*link, dir.sub("d"));
  CHECK(positions.size() == 4 * 30);
}

TEST_CASE("a read replica publishes the events of the log it copies, and never a WriterEpoch") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto writer = start_writer(dir.sub("w"), nats.url());
  auto replica = start_replica(dir.sub("r"), nats.url(), {"--publish-events", nats.url()});
  for (int i = 0; i < 10; ++i) REQUIRE(send_message(writer->port, "01011112222", "01033334444", "x").first == 201);
  const double head = metric(writer->port, "mailbox_log_head_position");
  REQUIRE(eventually([&] { return metric(replica->port, "mailbox_events_position") >= head; }, 30s));
  writer->stop();
  replica->stop();
  auto link = connect(nats);
  auto positions = check_stream_is_the_log(*link, dir.sub("r"));
  CHECK(positions.size() == 4 * 10);  // every event but the writer's epoch
  for (const auto& m : stream_messages(*link)) CHECK(member(m.data, "eventType") != "WriterEpoch");
}

TEST_CASE("mailboxd refuses bad --publish-events flags at start with exit 2 and the reason") {
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  const Case cases[] = {
      {{"--publish-events", "http://127.0.0.1:4222"}, "is not a nats:// or tls:// URL"},
      {{"--publish-events", ","}, "needs at least one URL"},
      {{"--publish-events", "nats://127.0.0.1:1", "--publish-events-stream", "a.b"}, "--publish-events-stream must be"},
      {{"--publish-events", "nats://127.0.0.1:1", "--publish-events-subject", "mailbox.*"}, "--publish-events-subject must be"},
      {{"--publish-events", "nats://127.0.0.1:1", "--publish-events-subject", "mailbox."}, "--publish-events-subject must be"},
      {{"--publish-events", "nats://127.0.0.1:1", "--publish-events-subject", "mailbox"}, "would take in the log's subject"},
      {{"--publish-events", "nats://127.0.0.1:1", "--publish-events-replicas", "0"}, "--publish-events-replicas must be 1 to 5"},
      {{"--publish-events", "nats://127.0.0.1:1", "--follow", "nats://127.0.0.1:1", "--publish-events-stream", "MAILBOX"},
       "must not be the log's stream"},
  };
  TempDir dir;
  for (const auto& c : cases) {
    std::vector<std::string> args = {"--data", dir.sub("d")};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run_process(MAILBOXD_PATH, args);
    CHECK_MESSAGE(r.exit_code == 2, c.says << ": " << r.err);
    CHECK_MESSAGE(r.err.find(c.says) != std::string::npos, r.err);
  }
}

TEST_CASE("a stream of the events' name that does not hold mailbox.events.> stops mailboxd at start, saying so") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto link = connect(nats);
  REQUIRE(link->ensure_stream({kStream, "other.>", 1, 0, 0}).has_value());
  auto r = run_process(MAILBOXD_PATH, {"--data", dir.sub("d"), "--listen", "127.0.0.1:0", "--publish-events", nats.url()});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.find("does not hold subject mailbox.events.>") != std::string::npos, r.err);
}

TEST_CASE("the example alarm service prints the alarms of each Sent and Saved, resumes after a restart, and --watch shows every event from the first") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"));
  auto node = start_publishing(dir.sub("d"), nats.url());
  auto send = [&](const std::string& receiver) {
    auto [status, sent] = send_message(node->port, "01011112222", receiver, "hi");
    REQUIRE(status == 201);
    return sent.id;
  };
  auto alarms_of = [](const std::string& id, const std::string& receiver) {
    return std::vector<std::string>{"alarm to 01011112222: your message " + id + " to " + receiver + " was sent\n",
                                    "alarm to " + receiver + ": a message " + id + " from 01011112222 arrived\n"};
  };
  std::vector<std::string> first;
  for (int i = 0; i < 3; ++i) first.push_back(send("0103333444" + std::to_string(i)));

  std::string out;
  {
    ChildProcess service(ALARM_SERVICE_PATH, {"--server", nats.url(), "--durable", "alarms-test"});
    out = service.read_lines(6, 20s);
    service.signal(SIGTERM);
    auto r = service.wait(10s);
    CHECK_MESSAGE(r.exit_code == 0, r.err);
  }
  CHECK(std::count(out.begin(), out.end(), '\n') == 6);
  for (int i = 0; i < 3; ++i)
    for (const auto& line : alarms_of(first[i], "0103333444" + std::to_string(i)))
      CHECK_MESSAGE(out.find(line) != std::string::npos, "missing: " << line << "in:\n" << out);

  // Stopped while two more are sent: started again, it prints theirs alone.
  const std::string a = send("01055556666"), b = send("01077778888");
  {
    ChildProcess service(ALARM_SERVICE_PATH, {"--server", nats.url(), "--durable", "alarms-test"});
    out = service.read_lines(4, 20s);
    out = service.read_lines(5, 1s);  // and nothing more
    service.signal(SIGTERM);
    CHECK(service.wait(10s).exit_code == 0);
  }
  CHECK_MESSAGE(std::count(out.begin(), out.end(), '\n') == 4, out);
  for (const auto& line : alarms_of(a, "01055556666")) CHECK_MESSAGE(out.find(line) != std::string::npos, out);
  for (const auto& line : alarms_of(b, "01077778888")) CHECK_MESSAGE(out.find(line) != std::string::npos, out);
  for (const auto& id : first) CHECK(out.find(id) == std::string::npos);

  wait_published(node->port);
  const auto published = static_cast<std::size_t>(metric(node->port, "mailbox_events_published_total"));
  {
    ChildProcess watch(ALARM_SERVICE_PATH, {"--server", nats.url(), "--watch"});
    out = watch.read_lines(published, 20s);
    watch.signal(SIGTERM);
    CHECK(watch.wait(10s).exit_code == 0);
  }
  CHECK(static_cast<std::size_t>(std::count(out.begin(), out.end(), '\n')) == published);
  CHECK(out.rfind(R"({"eventType":"Sent",)", 0) == 0);
  node->stop();
}
