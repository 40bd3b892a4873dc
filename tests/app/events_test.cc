#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "app/event_json.h"
#include "app/events.h"

using namespace mailbox::app;
namespace es = mailbox::eventstore;

TEST_CASE("every mailbox event round-trips through its payload, byte for byte") {
  const MailboxEvent events[] = {
      Sent{"m-1", "01012345678", "01099998888", "안녕하세요 👋", 1'700'000'000'123'456, "pay-9"},
      Saved{"m-1", "01012345678", "01099998888", "안녕하세요 👋", 1'700'000'000'123'456},
      Alarmed{"a-1", "m-1", "01099998888", AlarmKind::arrived, "log", 42},
      Read{"m-1", "01099998888", 43},
  };
  for (const auto& e : events) {
    auto back = decode(type_of(e), encode(e));
    REQUIRE(back.has_value());
    CHECK(*back == e);
  }
}

TEST_CASE("strings with a NUL byte inside (a payment reference, a webhook's reason) round-trip whole") {
  using namespace std::string_literals;
  const MailboxEvent events[] = {
      Sent{"m-1", "01012345678", "01099998888", "hi", 1, "ref\0tail"s},
      AlarmDeadLettered{"a-1", "m-1", "01099998888", AlarmKind::sent, "webhook", "HTTP 400: \0\0body"s, 3, 2},
      Alarmed{"a-\0"s, "m-1", "01099998888", AlarmKind::arrived, "log\0"s, 42},
  };
  for (const auto& e : events) {
    auto back = decode(type_of(e), encode(e));
    REQUIRE(back.has_value());
    CHECK(*back == e);
  }
}

TEST_CASE("a payload that is not what its type says is refused as corruption") {
  auto bad = decode("Sent", "not a flatbuffer");
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().code == es::Code::corruption);
  auto unknown = decode("Shipped", encode(Read{"m", "r", 1}));
  REQUIRE_FALSE(unknown.has_value());
  CHECK(unknown.error().code == es::Code::invalid_argument);
}

TEST_CASE("events encode to JSON with escaped text, RFC 3339 times, and the seed's field names") {
  es::RecordedEvent e;
  e.position = 7;
  e.stream = "message-m-1";
  e.version = 1;
  e.type = "Sent";
  e.id = *es::parse_event_id("00000000-0000-4000-8000-000000000001");
  e.timestamp_us = 1'700'000'000'000'000;
  e.payload = encode(Sent{"m-1", "01012345678", "01099998888", "say \"hi\"\n안녕", 1'700'000'000'000'000, ""});

  CHECK(recorded_event_json(e) ==
        R"({"position":7,"stream":"message-m-1","version":1,"type":"Sent",)"
        R"("eventId":"00000000-0000-4000-8000-000000000001","timestamp":"2023-11-14T22:13:20.000000Z",)"
        R"("data":{"messageId":"m-1","sender":"01012345678","receiver":"01099998888",)"
        R"("text":"say \"hi\"\n안녕","sentAt":"2023-11-14T22:13:20.000000Z"}})");
  CHECK(seed_event_json(e) ==
        R"({"eventType":"Sent","timestamp":1700000000000,"id":"m-1","user":"01012345678",)"
        R"("receiver":"01099998888","text":"say \"hi\"\n안녕"})");
}

TEST_CASE("JSON strings are valid UTF-8 whatever they are given: each byte outside a valid sequence becomes U+FFFD") {
  auto json = [](std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
  };
  CHECK(json("안녕 👋 é") == "\"안녕 👋 é\"");
  CHECK(json("a\xff" "b") == R"("a\ufffdb")");
  CHECK(json("\xc3") == R"("\ufffd")");                    // cut short
  CHECK(json("\xc0\xaf") == R"("\ufffd\ufffd")");          // overlong '/'
  CHECK(json("\xed\xa0\x80!") == R"("\ufffd\ufffd\ufffd!")");  // a surrogate
  CHECK(json("\xf4\x90\x80\x80") == R"("\ufffd\ufffd\ufffd\ufffd")");  // past U+10FFFF
  es::RecordedEvent e;
  e.type = "Sent";
  e.stream = "message-\xfe";
  e.payload = encode(Sent{"m-\x80", "01012345678", "01099998888", "hi", 0, ""});
  CHECK(recorded_event_json(e).find(R"("stream":"message-\ufffd")") != std::string::npos);
  CHECK(recorded_event_json(e).find(R"("messageId":"m-\ufffd")") != std::string::npos);
}

namespace {

// One recorded event of each published type, with fixed values: docs/events.md shows
// what each prints.
std::vector<es::RecordedEvent> one_of_each_type() {
  const MailboxEvent events[] = {
      Sent{"0194f3a2-7c1e-7a10-9b2c-3d4e5f607181", "01012345678", "01098765432", "안녕, see you at 7", 1'764'140'400'123'456,
           "pay-7f3a"},
      Saved{"0194f3a2-7c1e-7a10-9b2c-3d4e5f607181", "01012345678", "01098765432", "안녕, see you at 7",
            1'764'140'400'123'456},
      Alarmed{"5d0c9e1a-3b7f-5e42-8a61-0f2b9c4d7e18", "0194f3a2-7c1e-7a10-9b2c-3d4e5f607181", "01098765432",
              AlarmKind::arrived, "log", 1'764'140'400'201'000},
      Read{"0194f3a2-7c1e-7a10-9b2c-3d4e5f607181", "01098765432", 1'764'140'460'000'000},
      AlarmDeadLettered{"8e41b7c2-5a90-5d3e-9c17-2b6f4a0d8e53", "0194f3a2-7c1e-7a10-9b2c-3d4e5f607181", "01012345678",
                        AlarmKind::sent, "webhook", "HTTP 410: gone", 3, 1'764'140'470'000'000},
      AlarmRedriveRequested{"8e41b7c2-5a90-5d3e-9c17-2b6f4a0d8e53", "0194f3a2-7c1e-7a10-9b2c-3d4e5f607181", "01012345678",
                            AlarmKind::sent, "안녕, see you at 7", 1'764'140'500'000'000},
  };
  const std::uint64_t times_us[] = {1'764'140'400'123'456, 1'764'140'400'150'000, 1'764'140'400'201'000,
                                    1'764'140'460'000'000, 1'764'140'470'000'000, 1'764'140'500'000'000};
  std::vector<es::RecordedEvent> out;
  for (std::size_t i = 0; i < std::size(events); ++i) {
    es::RecordedEvent e;
    e.position = 41 + i;
    e.stream = "message-0194f3a2-7c1e-7a10-9b2c-3d4e5f607181";  // a message's events are all in its stream
    e.version = 1 + i;
    e.type = std::string(type_of(events[i]));
    e.id = *es::parse_event_id("0194f3a2-7c1e-7a10-9b2c-3d4e5f6071" + std::to_string(90 + i));
    e.timestamp_us = static_cast<std::int64_t>(times_us[i]);
    e.payload = encode(events[i]);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace

TEST_CASE("the seed's shape leaves payment references out, and the published shape is it plus position, eventId and stream") {
  es::RecordedEvent e = one_of_each_type().front();
  const std::string seed = seed_event_json(e);
  CHECK(seed.find("pay-7f3a") == std::string::npos);
  CHECK(seed.find("payment") == std::string::npos);
  const std::string published = published_event_json(e);
  REQUIRE(seed.back() == '}');
  CHECK(published == seed.substr(0, seed.size() - 1) +
                         R"(,"position":41,"eventId":"0194f3a2-7c1e-7a10-9b2c-3d4e5f607190",)"
                         R"("stream":"message-0194f3a2-7c1e-7a10-9b2c-3d4e5f607181"})");
  for (const auto& each : one_of_each_type()) CHECK(published_event_json(each).find("payment") == std::string::npos);
}

TEST_CASE("docs/events.md shows, for each published event type, exactly what is published") {
  std::ifstream in(DOCS_EVENTS_PATH);
  REQUIRE_MESSAGE(in.good(), "cannot read " << DOCS_EVENTS_PATH);
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& e : one_of_each_type()) {
    CHECK_MESSAGE(doc.find("### " + e.type + "\n") != std::string::npos, "docs/events.md has no section " << e.type);
    CHECK_MESSAGE(doc.find("    " + published_event_json(e) + "\n") != std::string::npos,
                  "docs/events.md does not show the " << e.type << " example as published:\n    "
                                                      << published_event_json(e));
  }
}
