#include <doctest/doctest.h>
#include <simdjson.h>

#include "tests/support/engine_parts.h"
#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::http_call;
using testing::HttpReply;
using testing::TestServer;

namespace {

simdjson::dom::element parse(simdjson::dom::parser& parser, const HttpReply& r) {
  simdjson::dom::element doc;
  REQUIRE_MESSAGE(parser.parse(r.body).get(doc) == simdjson::SUCCESS, r.body);
  return doc;
}

std::string str(simdjson::dom::element e, const char* key) {
  std::string_view v;
  REQUIRE_MESSAGE(e[key].get(v) == simdjson::SUCCESS, key);
  return std::string(v);
}

HttpReply send(std::uint16_t port, const std::string& user, const std::string& receiver, const std::string& text,
               std::map<std::string, std::string> headers = {}) {
  return http_call(port, "POST", "/mobiles",
                   R"({"user":")" + user + R"(","receiver":")" + receiver + R"(","text":")" + text + R"("})", headers);
}

}  // namespace

TEST_CASE("the seed's commands work: POST /mobiles, then GET its Location and GET /readmails") {
  TestServer s;
  simdjson::dom::parser parser;
  auto created = send(s.port(), "01012345678", "01099998888", "hello");
  REQUIRE(created.status == 201);
  auto body = parse(parser, created);
  const std::string id = str(body, "id");
  CHECK(str(body, "user") == "01012345678");
  CHECK(str(body, "receiver") == "01099998888");
  CHECK(str(body, "text") == "hello");
  CHECK(body["position"].get_uint64().value() == 1);
  CHECK(created.header("location") == "/readmails/" + id);

  // Right after the send, the Location finds the message: the server waits for the view.
  auto located = http_call(s.port(), "GET", created.header("location"));
  REQUIRE(located.status == 200);
  auto mail = parse(parser, located);
  CHECK(str(mail, "id") == id);
  CHECK(str(mail, "sender") == "01012345678");
  CHECK(mail["read"].get_bool().value() == false);
  CHECK(located.header("x-stale").empty());

  for (int i = 0; i < 2; ++i) REQUIRE(send(s.port(), "01012345678", "01099998888", "more").status == 201);
  REQUIRE(s.engine->wait_visible("readmails", testing::log_of(*s.engine).head(), 5s));
  auto list = http_call(s.port(), "GET", "/readmails?limit=2");
  REQUIRE(list.status == 200);
  auto doc = parse(parser, list);
  auto entries = doc["_embedded"]["readmails"].get_array().value();
  REQUIRE(entries.size() == 2);
  auto first = entries.at(0).value();
  for (const char* field : {"id", "sender", "receiver", "text", "sentAt"}) CHECK(first[field].is_string());
  CHECK(first["read"].is_bool());
  CHECK(str(first, "sentAt").ends_with("Z"));
  CHECK(doc["page"].error() == simdjson::NO_SUCH_FIELD);  // no total count
  const std::string next = str(doc["_links"]["next"].value(), "href");
  auto rest = parse(parser, http_call(s.port(), "GET", next));
  auto last_page = rest["_embedded"]["readmails"].get_array().value();
  REQUIRE(last_page.size() == 1);
  CHECK(str(last_page.at(0).value(), "id") == id);
  CHECK(rest["_links"]["next"].error() == simdjson::NO_SUCH_FIELD);
}

TEST_CASE("the whole flow over HTTP: send, Saved, readmails, both alarms, mark read, with Korean text and leading zeros kept") {
  TestServer s;
  simdjson::dom::parser parser;
  auto created = send(s.port(), "01012345678", "01099998888", "안녕하세요 👋");
  REQUIRE(created.status == 201);
  const auto position = parse(parser, created)["position"].get_uint64().value();
  const std::string id = str(parse(parser, created), "id");
  const std::string fresh = "&min_position=" + std::to_string(position);

  auto box = parse(parser, http_call(s.port(), "GET", "/readmails?receiver=01099998888" + fresh));
  auto mails = box["_embedded"]["readmails"].get_array().value();
  REQUIRE(mails.size() == 1);
  CHECK(str(mails.at(0).value(), "text") == "안녕하세요 👋");
  CHECK(str(mails.at(0).value(), "sender") == "01012345678");

  auto arrived = parse(parser, http_call(s.port(), "GET", "/alarms?phone=01099998888" + fresh));
  auto to_receiver = arrived["_embedded"]["alarms"].get_array().value();
  REQUIRE(to_receiver.size() == 1);
  CHECK(str(to_receiver.at(0).value(), "kind") == "arrived");
  auto sent = parse(parser, http_call(s.port(), "GET", "/alarmLists?phone=01012345678" + fresh));
  auto to_sender = sent["_embedded"]["alarmLists"].get_array().value();
  REQUIRE(to_sender.size() == 1);
  CHECK(str(to_sender.at(0).value(), "kind") == "sent");
  CHECK(str(to_sender.at(0).value(), "messageId") == id);

  auto unread = parse(parser, http_call(s.port(), "GET", "/readmails/unread-count?receiver=01099998888"));
  CHECK(unread["unread"].get_uint64().value() == 1);
  auto read = http_call(s.port(), "POST", "/readmails/" + id + "/read", R"({"receiver":"01099998888"})");
  REQUIRE(read.status == 200);
  const auto read_at = parse(parser, read)["position"].get_uint64().value();
  auto after = parse(parser, http_call(s.port(), "GET",
                                       "/readmails/unread-count?receiver=01099998888&min_position=" + std::to_string(read_at)));
  CHECK(after["unread"].get_uint64().value() == 0);

  auto events = parse(parser, http_call(s.port(), "GET", "/events?from=1&limit=10"));
  auto list = events["events"].get_array().value();
  REQUIRE(list.size() >= 5);
  CHECK(str(list.at(0).value(), "type") == "Sent");
  CHECK(str(list.at(0).value()["data"].value(), "text") == "안녕하세요 👋");
  auto stream = parse(parser, http_call(s.port(), "GET", "/streams/message-" + id));
  CHECK(stream["version"].get_uint64().value() == 5);
}

TEST_CASE("each kind of bad request gets its status and a problem+json body, and writes nothing") {
  TestServer s;
  simdjson::dom::parser parser;
  REQUIRE(send(s.port(), "01012345678", "01099998888", "first").status == 201);
  REQUIRE(s.engine->wait_visible("alarms", 1, 5s));
  const std::uint64_t head = testing::log_of(*s.engine).head();

  struct Case {
    std::string method, target, body;
    std::map<std::string, std::string> headers;
    int status;
    std::string field;
  };
  const std::string big(70 * 1024, 'x');
  const Case cases[] = {
      {"POST", "/mobiles", "{not json", {}, 400, ""},
      {"POST", "/mobiles", "[1,2]", {}, 400, ""},
      {"POST", "/mobiles", R"({"user":1012345678,"receiver":"01099998888","text":"x"})", {}, 400, "user"},
      {"POST", "/mobiles", R"({"user":"01012345678","receiver":"01099998888","text":"x"} trailing)", {}, 400, ""},
      {"POST", "/mobiles", R"({"user":"01012345678","receiver":"01099998888","text":"x","other":"\q"})", {}, 400, ""},
      {"POST", "/mobiles", R"({"user":"01012345678","receiver":"01099998888","text":"x","other":[1,}})", {}, 400, ""},
      {"POST", "/mobiles", R"({"user":"010-1234","receiver":"01099998888","text":"x"})", {}, 422, "user"},
      {"POST", "/mobiles", R"({"user":"01012345678","receiver":"01099998888","text":""})", {}, 422, "text"},
      {"POST", "/mobiles", R"({"user":"01012345678","text":"x"})", {}, 422, "receiver"},
      {"POST", "/mobiles", "user=1", {{"Content-Type", "application/x-www-form-urlencoded"}}, 415, ""},
      {"POST", "/mobiles", R"({"user":"01012345678","receiver":"01099998888","text":")" + big + R"("})", {}, 413, ""},
      {"GET", "/readmails?limit=abc", "", {}, 400, "limit"},
      {"GET", "/readmails?limit=500", "", {}, 400, "limit"},
      {"GET", "/readmails?cursor=12abc", "", {}, 400, "cursor"},
      {"GET", "/events?limit=5000", "", {}, 400, "limit"},
      {"POST", "/readmails/some-id/read", R"({"receiver":7})", {}, 400, "receiver"},
      {"POST", "/readmails/some-id/read", "{}", {}, 422, "receiver"},
      {"POST", "/alarms/dead-letters/some-alarm/redrive", "", {}, 400, "messageId"},
      {"POST", "/admin/rebuild?view=nonesuch", "", {}, 400, "view"},
      {"GET", "/alarms", "", {}, 400, "phone"},
      {"GET", "/nowhere", "", {}, 404, ""},
      {"GET", "/nowhere/%FF%C0", "", {}, 404, ""},  // not UTF-8, echoed in the detail: still valid JSON
      {"GET", "/readmails/no-such-id?wait_ms=0", "", {}, 404, ""},
      {"POST", "/readmails/no-such-id/read", R"({"receiver":"01099998888"})", {}, 404, ""},
      {"DELETE", "/readmails", "", {}, 405, ""},
      {"GET", "/mobiles", "", {}, 405, ""},
      {"GET", "/readmails", "", {{"X-Huge", std::string(10 * 1024, 'h')}}, 431, ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.method);
    CAPTURE(c.target);
    auto r = http_call(s.port(), c.method, c.target, c.body, c.headers);
    CHECK(r.status == c.status);
    CHECK(r.header("content-type") == "application/problem+json");
    simdjson::dom::element doc;
    REQUIRE(parser.parse(r.body).get(doc) == simdjson::SUCCESS);
    CHECK(doc["status"].get_int64().value() == c.status);
    CHECK(doc["title"].is_string());
    CHECK(doc["detail"].is_string());
    CHECK(doc["type"].is_string());
    if (!c.field.empty()) CHECK(str(doc, "field") == c.field);
    if (c.status == 405) CHECK_FALSE(r.header("allow").empty());
  }

  // Mark read: not the receiver (403).
  auto id = str(parse(parser, http_call(s.port(), "GET", "/readmails")).at_pointer("/_embedded/readmails/0").value(), "id");
  auto stranger = http_call(s.port(), "POST", "/readmails/" + id + "/read", R"({"receiver":"01000000000"})");
  CHECK(stranger.status == 403);
  CHECK(testing::log_of(*s.engine).head() == head);

  // Not yet in the mailbox (409): the mailbox policy is stopped, so no Saved comes.
  testing::followers_of(*s.engine).stop("mailbox-policy");
  auto pending = send(s.port(), "01012345678", "01099998888", "stuck");
  REQUIRE(pending.status == 201);
  const std::string stuck = str(parse(parser, pending), "id");
  auto early = http_call(s.port(), "POST", "/readmails/" + stuck + "/read", R"({"receiver":"01099998888"})");
  CHECK(early.status == 409);
  const auto stream = testing::log_of(*s.engine).read_stream(app::message_stream(stuck), 1, 10).value();
  for (const auto& e : stream) CHECK(e.type != "Read");  // the refusal wrote nothing
}

TEST_CASE("an Idempotency-Key retry returns the same 201 body and appends nothing, and another body gets 422") {
  TestServer s;
  const std::map<std::string, std::string> key = {{"Idempotency-Key", "abc-123"}};
  auto first = send(s.port(), "01012345678", "01099998888", "once", key);
  REQUIRE(first.status == 201);
  REQUIRE(s.engine->wait_visible("alarms", 1, 5s));  // the policies have added what they add
  const std::uint64_t head = testing::log_of(*s.engine).head();
  auto retry = send(s.port(), "01012345678", "01099998888", "once", key);
  CHECK(retry.status == 201);
  CHECK(retry.body == first.body);
  CHECK(retry.header("location") == first.header("location"));
  CHECK(testing::log_of(*s.engine).head() == head);
  auto changed = send(s.port(), "01012345678", "01099998888", "twice", key);
  CHECK(changed.status == 422);
  CHECK(changed.body.find("Idempotency-Key") != std::string::npos);
  CHECK(testing::log_of(*s.engine).head() == head);
}

TEST_CASE("min_position waits for the view, past wait_ms the answer says X-Stale, and a stalled alarm channel delays nothing") {
  TestServer s;
  simdjson::dom::parser parser;
  s.sink.set_down(true);  // alarms cannot be delivered
  auto created = send(s.port(), "01012345678", "01099998888", "fresh");
  const auto pos = parse(parser, created)["position"].get_uint64().value();
  auto r = http_call(s.port(), "GET", "/readmails?receiver=01099998888&min_position=" + std::to_string(pos));
  CHECK(r.status == 200);
  CHECK(r.header("x-stale").empty());
  CHECK(parse(parser, r)["_embedded"]["readmails"].get_array().value().size() == 1);

  // The alarm list cannot catch up while the sink is down: a bounded wait, then X-Stale.
  const auto started = std::chrono::steady_clock::now();
  auto alarms = http_call(s.port(), "GET", "/alarms?phone=01099998888&wait_ms=200&min_position=" + std::to_string(pos));
  CHECK(alarms.status == 200);
  CHECK(alarms.header("x-stale") == "true");
  CHECK(std::chrono::steady_clock::now() - started >= 200ms);

  // With the mailbox policy stopped, readmails cannot catch up either.
  testing::followers_of(*s.engine).stop("mailbox-policy");
  auto stuck = send(s.port(), "01012345678", "01099998888", "stuck");
  const auto stuck_pos = parse(parser, stuck)["position"].get_uint64().value();
  auto stale = http_call(s.port(), "GET",
                         "/readmails?receiver=01099998888&wait_ms=100&min_position=" + std::to_string(stuck_pos));
  CHECK(stale.status == 200);
  CHECK(stale.header("x-stale") == "true");
  CHECK(parse(parser, stale)["_embedded"]["readmails"].get_array().value().size() == 1);
}

TEST_CASE("health, readiness and metrics answer") {
  TestServer s;
  CHECK(http_call(s.port(), "GET", "/healthz").status == 200);
  CHECK(http_call(s.port(), "GET", "/readyz").status == 200);
  REQUIRE(send(s.port(), "01012345678", "01099998888", "m").status == 201);
  auto metrics = http_call(s.port(), "GET", "/metrics");
  CHECK(metrics.status == 200);
  CHECK(metrics.body.find("mailbox_http_requests_total{route=\"POST /mobiles\",status=\"201\"} 1") != std::string::npos);
  CHECK(metrics.body.find("mailbox_log_batches_total") != std::string::npos);
  CHECK(metrics.body.find("mailbox_follower_lag_events{follower=\"readmails\"}") != std::string::npos);
  CHECK(metrics.body.find("mailbox_http_request_duration_seconds_bucket") != std::string::npos);
  s.api->drain();
  auto draining = http_call(s.port(), "GET", "/readyz");
  CHECK(draining.status == 503);
}
