// The routes the web inbox reads besides /readmails: sent mail with read receipts
// (/sentmails), a mailbox's changes as they happen (/readmails/live), and who the caller
// is (/whoami). A real server on a loopback port over a real RocksDB.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <thread>

#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/keyed_mailboxd.h"
#include "tests/support/test_server.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::http_call;
using testing::HttpConnection;
using testing::HttpReply;
using testing::TestServer;

namespace {

const std::string kAnn = "01011110000", kBob = "01022220000", kCho = "01033330000";

std::string member(const std::string& json, const char* name) {
  simdjson::dom::parser parser;
  std::string_view value;
  if (parser.parse(json)[name].get(value) != simdjson::SUCCESS) return "(no " + std::string(name) + ")";
  return std::string(value);
}

std::uint64_t number(const std::string& json, const char* name) {
  simdjson::dom::parser parser;
  std::uint64_t value = 0;
  return parser.parse(json)[name].get(value) == simdjson::SUCCESS ? value : 0;
}

// Sends text from one phone to another; the answer's body.
std::string send(std::uint16_t port, const std::string& from, const std::string& to, const std::string& text) {
  auto r = http_call(port, "POST", "/mobiles",
                     R"({"user":")" + from + R"(","receiver":")" + to + R"(","text":")" + text + R"("})");
  REQUIRE_MESSAGE(r.status == 201, r.body);
  return r.body;
}

// Marks a message read once it is in the mailbox: a send's 201 comes before the
// mailbox policy has saved it, and until then the answer is 409 not_delivered, "try
// again" (bounded here).
std::uint64_t mark_read(std::uint16_t port, const std::string& id, const std::string& receiver) {
  HttpReply r;
  testing::eventually([&] {
    r = http_call(port, "POST", "/readmails/" + id + "/read", R"({"receiver":")" + receiver + R"("})");
    return r.status != 409 || r.body.find("\"code\":\"not_delivered\"") == std::string::npos;
  });
  REQUIRE_MESSAGE(r.status == 200, r.body);
  return number(r.body, "position");
}

struct SseEvent {
  std::string id, event, data;
};

// Opens the feed on c; the response's status line and headers.
HttpReply open_feed(HttpConnection& c, const std::string& target, std::map<std::string, std::string> headers = {}) {
  c.send_raw(HttpConnection::request("GET", target, "", headers));
  return c.read_reply(5s);
}

// The next event of the feed (comments skipped), within the timeout.
SseEvent next_event(HttpConnection& c, std::chrono::milliseconds timeout = 10s) {
  for (;;) {
    std::string block = c.read_until("\n\n", timeout);
    // Transfer-Encoding: chunked framing lines sit between blocks: keep the SSE lines.
    SseEvent e;
    std::size_t at = 0;
    while (at < block.size()) {
      const std::size_t end = block.find('\n', at);
      const std::string line = block.substr(at, end - at);
      at = end + 1;
      if (line.starts_with("id: ")) e.id = line.substr(4);
      else if (line.starts_with("event: ")) e.event = line.substr(7);
      else if (line.starts_with("data: ")) e.data = line.substr(6);
    }
    if (!e.event.empty()) return e;
  }
}

}  // namespace

TEST_CASE("GET /sentmails: the sender's own mail newest first, paged by cursor, with a read receipt once read") {
  TestServer s;
  const std::string first = member(send(s.port(), kAnn, kBob, "one"), "id");
  send(s.port(), kAnn, kCho, "two");
  const auto last = number(send(s.port(), kAnn, kBob, "three"), "position");
  send(s.port(), kCho, kBob, "not ann's");

  auto page = http_call(s.port(), "GET", "/sentmails?sender=" + kAnn + "&limit=2&min_position=" + std::to_string(last));
  REQUIRE_MESSAGE(page.status == 200, page.body);
  simdjson::dom::parser parser;
  auto doc = parser.parse(page.body).value();
  auto items = doc["_embedded"]["sentmails"].get_array().value();
  REQUIRE(items.size() == 2);
  CHECK(std::string_view(items.at(0)["text"].get_string().value()) == "three");
  CHECK(std::string_view(items.at(1)["text"].get_string().value()) == "two");
  CHECK(std::string_view(items.at(1)["receiver"].get_string().value()) == kCho);
  CHECK(items.at(0)["read"].get_bool().value() == false);
  CHECK(items.at(0)["readAt"].is_null());
  const std::string next(doc["_links"]["next"]["href"].get_string().value());

  auto rest = http_call(s.port(), "GET", next);
  REQUIRE(rest.status == 200);
  simdjson::dom::parser parser2;
  auto older = parser2.parse(rest.body).value()["_embedded"]["sentmails"].get_array().value();
  REQUIRE(older.size() == 1);  // Cho's message to Bob is not Ann's
  CHECK(std::string_view(older.at(0)["id"].get_string().value()) == first);

  const auto read_at = mark_read(s.port(), first, kBob);
  auto receipt = http_call(s.port(), "GET", "/sentmails?sender=" + kAnn + "&min_position=" + std::to_string(read_at));
  REQUIRE(receipt.status == 200);
  CHECK(receipt.header("x-stale").empty());
  simdjson::dom::parser parser3;
  auto all = parser3.parse(receipt.body).value()["_embedded"]["sentmails"].get_array().value();
  REQUIRE(all.size() == 3);
  CHECK(all.at(2)["read"].get_bool().value() == true);
  CHECK(std::string_view(all.at(2)["readAt"].get_string().value()).starts_with("20"));
  CHECK(all.at(0)["readAt"].is_null());

  auto missing = http_call(s.port(), "GET", "/sentmails");
  CHECK(missing.status == 400);
  CHECK(member(missing.body, "field") == "sender");
}

TEST_CASE("GET /readmails/live sends each arrival and read of the receiver's mailbox, as its row, and nothing of others") {
  TestServer s;
  HttpConnection feed(s.port());
  auto head = open_feed(feed, "/readmails/live?receiver=" + kBob);
  REQUIRE(head.status == 200);
  CHECK(head.header("content-type") == "text/event-stream");

  const std::string to_bob = send(s.port(), kAnn, kBob, "hello bob");
  send(s.port(), kAnn, kCho, "hello cho");  // another mailbox: not in Bob's feed
  const std::string id = member(to_bob, "id");

  auto arrival = next_event(feed);
  CHECK(arrival.event == "mail");
  CHECK(member(arrival.data, "id") == id);
  CHECK(member(arrival.data, "text") == "hello bob");
  CHECK(member(arrival.data, "sender") == kAnn);
  CHECK(std::stoull(arrival.id) > number(to_bob, "position"));  // the Saved's position, after the Sent

  const auto read_position = mark_read(s.port(), id, kBob);
  auto read = next_event(feed);
  CHECK(read.event == "mail");
  CHECK(read.id == std::to_string(read_position));
  CHECK(member(read.data, "id") == id);
  CHECK(read.data.find("\"read\":true") != std::string::npos);

  // Resuming after the arrival gives the read, and nothing before it.
  HttpConnection resumed(s.port());
  REQUIRE(open_feed(resumed, "/readmails/live?receiver=" + kBob, {{"Last-Event-ID", arrival.id}}).status == 200);
  auto again = next_event(resumed);
  CHECK(again.id == read.id);
  // From the start, both changes are in one batch: the message comes once, as it is now,
  // at its last change.
  HttpConnection from_start(s.port());
  REQUIRE(open_feed(from_start, "/readmails/live?receiver=" + kBob, {{"Last-Event-ID", "0"}}).status == 200);
  auto replayed = next_event(from_start);
  CHECK(replayed.id == read.id);
  CHECK(replayed.data == read.data);
}

TEST_CASE("GET /readmails/live sends a keepalive comment when nothing of its mailbox happened for a while, even while others get mail") {
  server::ApiOptions options;
  options.sse_keepalive = 1s;
  TestServer s({}, nullptr, nullptr, nullptr, options);
  HttpConnection feed(s.port());
  REQUIRE(open_feed(feed, "/readmails/live?receiver=" + kBob).status == 200);
  std::atomic<bool> busy = true;
  std::thread others([&] {
    while (busy) {
      send(s.port(), kAnn, kCho, "busy");
      std::this_thread::sleep_for(50ms);
    }
  });
  std::string got;
  try {
    got = feed.read_until(": keepalive\n\n", 5s);
  } catch (const std::runtime_error& e) {
    got = e.what();
  }
  busy = false;
  others.join();
  CHECK_MESSAGE(got.ends_with(": keepalive\n\n"), "no keepalive within 5 s: " << got);
  CHECK(got.find("event: mail") == std::string::npos);
}

TEST_CASE("GET /readmails/live refuses a malformed Last-Event-ID, and in open mode asks for the receiver") {
  TestServer s;
  auto bad = http_call(s.port(), "GET", "/readmails/live?receiver=" + kBob, "", {{"Last-Event-ID", "-1"}});
  CHECK(bad.status == 400);
  CHECK(member(bad.body, "field") == "Last-Event-ID");
  auto huge = http_call(s.port(), "GET", "/readmails/live?receiver=" + kBob, "", {{"Last-Event-ID", "9223372036854775808"}});
  CHECK(huge.status == 400);
  auto nobody = http_call(s.port(), "GET", "/readmails/live");
  CHECK(nobody.status == 400);
  CHECK(member(nobody.body, "field") == "receiver");
}

TEST_CASE("GET /whoami: open mode says so, with keys the token's phone and scopes, and 401 without one") {
  {
    TestServer s;
    auto open = http_call(s.port(), "GET", "/whoami");
    CHECK(open.status == 200);
    CHECK(open.body == R"({"mode":"open"})");
  }
  testing::ServerKeys keys;
  testing::TempDir data;
  auto m = testing::start_mailboxd(MAILBOXD_PATH, keys.flags({"--data", data.str()}));
  REQUIRE(testing::wait_ready(m.port));
  auto own = http_call(m.port, "GET", "/whoami", "", testing::bearer(keys.rs256({kAnn})));
  CHECK(own.status == 200);
  CHECK(own.body == R"({"mode":"token","phone":")" + kAnn + R"(","scopes":[]})");
  auto admin = http_call(m.port, "GET", "/whoami", "", testing::bearer(keys.es256({kCho, "mailbox:admin"})));
  CHECK(admin.body == R"({"mode":"token","phone":")" + kCho + R"(","scopes":["mailbox:admin"]})");
  auto none = http_call(m.port, "GET", "/whoami");
  CHECK(none.status == 401);
  CHECK(member(none.body, "code") == "unauthorized");
  // With a token, the feed and the sent mail are the caller's own without naming it.
  HttpConnection feed(m.port);
  REQUIRE(open_feed(feed, "/readmails/live", testing::bearer(keys.rs256({kBob}))).status == 200);
  REQUIRE(http_call(m.port, "POST", "/mobiles", R"({"receiver":")" + kBob + R"(","text":"with a token"})",
                    testing::bearer(keys.hs256({kAnn})))
              .status == 201);
  CHECK(member(next_event(feed).data, "text") == "with a token");
  auto sent = http_call(m.port, "GET", "/sentmails?wait_ms=2000&min_position=1", "", testing::bearer(keys.hs256({kAnn})));
  CHECK(sent.status == 200);
  CHECK(sent.body.find("with a token") != std::string::npos);
  CHECK(testing::stop(m).exit_code == 0);
}
