// The replication stream's messages as bytes: what a writer publishes (format 2, the
// body compressed) decodes to the segment it shipped, a format 1 message (an older
// writer's) still decodes, and a damaged or oversized one is refused with a clear error.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "app/events.h"
#include "app/replication/log_message.h"
#include "core/eventstore/internal/envelope_codec.h"

using namespace mailbox;
using namespace mailbox::replication;

namespace {

// The log of `sends` sends as the writer stores it: each a Sent, its Saved and two
// Alarmed, with dedupe rows for the Sents' ids and the policies' checkpoints.
LogMessage sends_message(int sends) {
  LogMessage m;
  m.epoch = 3;
  m.segment.first = 41;
  eventstore::EnvelopeEncoder encoder;
  std::uint64_t position = m.segment.first;
  std::uint64_t random = 0x9e3779b97f4a7c15;  // ids as drawn: mostly random bits
  auto next = [&] { return random = random * 6364136223846793005u + 1442695040888963407u; };
  for (int i = 0; i < sends; ++i) {
    char id[40];
    std::snprintf(id, sizeof id, "019abf2c-%04x-7%03x-8%03x-%012llx", i, static_cast<unsigned>(next() >> 52),
                  static_cast<unsigned>(next() >> 52), static_cast<unsigned long long>(next() >> 16));
    const std::string receiver = "010" + std::to_string(20000000 + i);
    const std::vector<app::MailboxEvent> events = {
        app::Sent{id, "01012345678", receiver, "hello number " + std::to_string(i), 1'790'000'000'000'000 + i, ""},
        app::Saved{id, "01012345678", receiver, "hello number " + std::to_string(i), 1'790'000'000'000'000 + i},
        app::Alarmed{std::string(id) + "-a", id, receiver, app::AlarmKind::arrived, "webhook", 1'790'000'000'100'000 + i},
        app::Alarmed{std::string(id) + "-s", id, "01012345678", app::AlarmKind::sent, "webhook", 1'790'000'000'100'000 + i},
    };
    for (const auto& event : events) {
      eventstore::EventId event_id{};
      for (auto& byte : event_id) byte = static_cast<std::uint8_t>(next() >> 56);
      m.segment.envelopes.emplace_back(encoder.encode(position, app::message_stream(id), position,
                                                      app::to_new_event(event), event_id, 1'790'000'000'000'000 + i));
      if (event.index() == 0) m.segment.dedupe.push_back({event_id, {position, position, 1, false}});
      ++position;
    }
  }
  m.segment.has_checkpoints = true;
  m.segment.checkpoints = {{"alarm-policy", position - 1}, {"mailbox-policy", position - 1}};
  return m;
}

void check_same(const LogMessage& a, const LogMessage& b) {
  CHECK(a.epoch == b.epoch);
  CHECK(a.segment.first == b.segment.first);
  CHECK(a.segment.envelopes == b.segment.envelopes);
  REQUIRE(a.segment.dedupe.size() == b.segment.dedupe.size());
  for (std::size_t i = 0; i < a.segment.dedupe.size(); ++i) {
    CHECK(a.segment.dedupe[i].id == b.segment.dedupe[i].id);
    CHECK(a.segment.dedupe[i].result == b.segment.dedupe[i].result);
  }
  CHECK(a.segment.has_checkpoints == b.segment.has_checkpoints);
  CHECK(a.segment.checkpoints == b.segment.checkpoints);
}

}  // namespace

TEST_CASE("a writer's message is format 2, a third of the flatbuffer's bytes or less, and decodes to the segment shipped") {
  const LogMessage shipped = sends_message(100);
  const EncodedMessage compressed = encode_message(shipped);
  const EncodedMessage flat = encode_message(shipped, BodyFormat::uncompressed);
  CHECK(compressed.headers.at(kFormatHeader) == "2");
  CHECK(compressed.headers.at(kBodySizeHeader) == std::to_string(flat.body.size()));
  CHECK(compressed.headers.at(kFirstHeader) == "41");
  CHECK(compressed.headers.at(kLastHeader) == "440");
  CHECK(compressed.headers.at(kEpochHeader) == "3");
  CHECK_MESSAGE(compressed.body.size() * 3 <= flat.body.size(),
                compressed.body.size() << " bytes compressed, " << flat.body.size() << " as is");
  auto decoded = decode_message(compressed.headers, compressed.body);
  REQUIRE_MESSAGE(decoded, decoded.error().message);
  check_same(*decoded, shipped);
}

TEST_CASE("a format 1 message (an older writer's, the body as is) still decodes") {
  const LogMessage shipped = sends_message(3);
  const EncodedMessage flat = encode_message(shipped, BodyFormat::uncompressed);
  CHECK(flat.headers.at(kFormatHeader) == "1");
  CHECK_FALSE(flat.headers.contains(kBodySizeHeader));
  auto decoded = decode_message(flat.headers, flat.body);
  REQUIRE_MESSAGE(decoded, decoded.error().message);
  check_same(*decoded, shipped);
}

TEST_CASE("a damaged, oversized or unknown message is refused, saying what is wrong") {
  const EncodedMessage good = encode_message(sends_message(10));
  auto refused = [&](std::map<std::string, std::string> headers, std::string body) {
    auto r = decode_message(headers, body);
    REQUIRE_FALSE(r);
    return r.error();
  };
  SUBCASE("a body cut short") {
    auto e = refused(good.headers, good.body.substr(0, good.body.size() / 2));
    CHECK(e.code == app::Code::corruption);
    CHECK(e.message == "a replication message's body does not inflate to Mailbox-Body-Size bytes");
  }
  SUBCASE("a size that is not the body's") {
    auto headers = good.headers;
    headers[kBodySizeHeader] = std::to_string(std::stoull(headers[kBodySizeHeader]) + 1);
    CHECK(refused(headers, good.body).message == "a replication message's body does not inflate to Mailbox-Body-Size bytes");
  }
  SUBCASE("no size, or one past what any body holds or LZ4 inflates to, refused before inflating") {
    for (const std::string& size : std::vector<std::string>{"", "x", "0", std::to_string(kMaxBodyBytes + 1), std::to_string(good.body.size() * 255 + 17)}) {
      auto headers = good.headers;
      if (size.empty()) headers.erase(kBodySizeHeader);
      else headers[kBodySizeHeader] = size;
      auto e = refused(headers, good.body);
      CHECK_MESSAGE(e.message == "a compressed replication message lacks a valid Mailbox-Body-Size", size);
      CHECK(e.code == app::Code::corruption);
    }
  }
  SUBCASE("a compressed body read as format 1") {
    auto headers = good.headers;
    headers[kFormatHeader] = "1";
    CHECK(refused(headers, good.body).message == "a replication message's body failed verification");
  }
  SUBCASE("a format this build does not know") {
    auto headers = good.headers;
    headers[kFormatHeader] = "3";
    auto e = refused(headers, good.body);
    CHECK(e.code == app::Code::failed_precondition);
    CHECK(e.message == "a replication message has format 3, this build reads formats 1 and 2");
  }
}
