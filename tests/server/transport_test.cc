#include <doctest/doctest.h>

#include <thread>

#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::http_call;
using testing::HttpConnection;
using testing::TestServer;

TEST_CASE("one connection serves several requests (keep-alive), pipelined ones in order") {
  TestServer s;
  HttpConnection c(s.port());
  CHECK(c.call("GET", "/healthz").status == 200);
  CHECK(c.call("GET", "/readyz").status == 200);
  // Three requests in one write; three answers, in order.
  c.send_raw(HttpConnection::request("GET", "/healthz") + HttpConnection::request("GET", "/nowhere") +
             HttpConnection::request("GET", "/readmails/unread-count?receiver=01099998888"));
  CHECK(c.read_reply().status == 200);
  CHECK(c.read_reply().status == 404);
  auto third = c.read_reply();
  CHECK(third.status == 200);
  CHECK(third.body.find("\"unread\":0") != std::string::npos);
}

TEST_CASE("a slow client is cut at the read timeout while others are served") {
  server::ServerOptions options;
  options.read_timeout = 300ms;
  options.idle_timeout = 60s;  // far past the bound below: only the read timeout can cut it
  TestServer s(options);
  HttpConnection slow(s.port());
  slow.send_raw("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ");  // and never finishes
  for (int i = 0; i < 5; ++i) CHECK(http_call(s.port(), "GET", "/healthz").status == 200);
  CHECK(slow.closed_by_server(20s));
}

TEST_CASE("an idle kept-alive connection is closed after the idle timeout, not before") {
  server::ServerOptions options;
  options.idle_timeout = 1500ms;
  options.read_timeout = 60s;
  TestServer s(options);
  HttpConnection c(s.port());
  CHECK(c.call("GET", "/healthz").status == 200);
  // Idle, but for less than the timeout: still open, and serving.
  std::this_thread::sleep_for(200ms);
  CHECK(c.call("GET", "/healthz").status == 200);
  CHECK(c.closed_by_server(20s));
}

TEST_CASE("connections past the limit get a 503 and are closed, and the others are served") {
  server::ServerOptions options;
  options.max_connections = 2;
  TestServer s(options);
  HttpConnection a(s.port()), b(s.port());
  CHECK(a.call("GET", "/healthz").status == 200);
  CHECK(b.call("GET", "/healthz").status == 200);
  HttpConnection third(s.port());
  auto refused = third.read_reply();
  CHECK(refused.status == 503);
  CHECK(refused.header("content-type") == "application/problem+json");
  CHECK(refused.header("retry-after") == "1");
  CHECK(third.closed_by_server(5s));  // refused and closed, not kept
  CHECK(a.call("GET", "/healthz").status == 200);
}

TEST_CASE("the live tail streams events as SSE and resumes after Last-Event-ID") {
  TestServer s;
  for (int i = 0; i < 3; ++i)
    REQUIRE(s.engine->send()
                .send_and_wait({"01012345678", "01099998888", "m" + std::to_string(i), std::nullopt})
                .has_value());
  {
    HttpConnection c(s.port());
    c.send_raw(HttpConnection::request("GET", "/events/live?from=1&type=Sent"));
    const std::string head = c.read_until("\r\n\r\n");
    CHECK(head.find("200") != std::string::npos);
    CHECK(head.find("text/event-stream") != std::string::npos);
    const std::string first = c.read_until("\n\n");
    CHECK(first.find("id: 1\n") == 0);
    CHECK(first.find("event: Sent\n") != std::string::npos);
    CHECK(first.find("\"text\":\"m0\"") != std::string::npos);
  }  // disconnect after the first event
  // Reconnect after id 1: the next Sent comes next, nothing before it again.
  HttpConnection c(s.port());
  c.send_raw(HttpConnection::request("GET", "/events/live?type=Sent", "", {{"Last-Event-ID", "1"}}));
  c.read_until("\r\n\r\n");
  const std::string next = c.read_until("\n\n");
  CHECK(next.find("\"text\":\"m1\"") != std::string::npos);
  const std::string after = c.read_until("\n\n");
  CHECK(after.find("\"text\":\"m2\"") != std::string::npos);
  // An event committed while the client listens arrives too.
  auto sent = s.engine->send().send_and_wait({"01012345678", "01099998888", "live", std::nullopt});
  REQUIRE(sent.has_value());
  const std::string live = c.read_until("\n\n");
  CHECK(live.find("id: " + std::to_string(sent->position) + "\n") == 0);
  CHECK(live.find("\"text\":\"live\"") != std::string::npos);
}
