#include <doctest/doctest.h>

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
