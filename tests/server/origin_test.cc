// Open mode's protections: loopback Host names only, and no state change from another
// site's page; client addresses behind trusted proxies. (Loopback only: protected_mode_test.)
#include <doctest/doctest.h>

#include "server/client_address.h"
#include "tests/support/engine_parts.h"
#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::http_call;

namespace {

const std::string kSend = R"({"user":"01012345678","receiver":"01099998888","text":"hi"})";

server::ApiOptions open_mode() {
  server::ApiOptions o;
  o.origins.loopback_hosts_only = true;
  return o;
}

}  // namespace

TEST_CASE("in open mode a Host that is not loopback is refused (403 host_not_allowed), loopback names pass") {
  testing::TestServer s({}, nullptr, nullptr, nullptr, open_mode());
  for (const char* host : {"127.0.0.1", "localhost:8080", "LOCALHOST", "[::1]:8080", "127.0.0.1:80"})
    CHECK_MESSAGE(http_call(s.port(), "GET", "/healthz", "", {{"Host", host}}).status == 200, host);
  auto r = http_call(s.port(), "POST", "/mobiles", kSend, {{"Host", "attacker.example"}});
  CHECK(r.status == 403);
  CHECK(r.body.find("\"code\":\"host_not_allowed\"") != std::string::npos);
  CHECK(http_call(s.port(), "GET", "/readmails", "", {{"Host", "attacker.example:8080"}}).status == 403);
  CHECK(testing::log_of(*s.engine).head() == 0);
}

TEST_CASE("a state-changing request from another origin is refused (403 origin_not_allowed), the server's own origin passes") {
  server::ApiOptions options = open_mode();
  options.origins.cors_origins = {"http://app.example"};
  testing::TestServer s({}, nullptr, nullptr, nullptr, options);
  const std::string own = "http://127.0.0.1:" + std::to_string(s.port());
  auto foreign = http_call(s.port(), "POST", "/mobiles", kSend,
                           {{"Host", "127.0.0.1:" + std::to_string(s.port())}, {"Origin", "http://evil.example"}});
  CHECK(foreign.status == 403);
  CHECK(foreign.body.find("\"code\":\"origin_not_allowed\"") != std::string::npos);
  CHECK(testing::log_of(*s.engine).head() == 0);
  auto same = http_call(s.port(), "POST", "/mobiles", kSend,
                        {{"Host", "127.0.0.1:" + std::to_string(s.port())}, {"Origin", own}});
  CHECK(same.status == 201);
  // A page from an origin named for CORS may send, and is told so.
  auto cors = http_call(s.port(), "POST", "/mobiles", kSend,
                        {{"Host", "127.0.0.1:" + std::to_string(s.port())}, {"Origin", "http://app.example"}});
  CHECK(cors.status == 201);
  CHECK(cors.header("access-control-allow-origin") == "http://app.example");
  auto preflight = http_call(s.port(), "OPTIONS", "/mobiles", "", {{"Origin", "http://app.example"}});
  CHECK(preflight.status == 204);
  CHECK(preflight.header("access-control-allow-headers").find("Authorization") != std::string::npos);
  CHECK(http_call(s.port(), "OPTIONS", "/mobiles", "", {{"Origin", "http://evil.example"}}).status == 403);
  // Reading is not state-changing: a GET with a foreign Origin is answered (without CORS
  // headers, so the browser hides it from that page).
  auto read = http_call(s.port(), "GET", "/readmails", "", {{"Origin", "http://evil.example"}});
  CHECK(read.status == 200);
  CHECK(read.header("access-control-allow-origin").empty());
}

TEST_CASE("the client address is the peer, or behind a trusted proxy the last untrusted X-Forwarded-For address") {
  const auto trusted = server::parse_cidrs("10.0.0.0/8,::1").value();
  CHECK(server::client_address("203.0.113.7", std::nullopt, trusted) == "203.0.113.7");
  // An untrusted peer's X-Forwarded-For is not believed.
  CHECK(server::client_address("203.0.113.7", "198.51.100.1", trusted) == "203.0.113.7");
  CHECK(server::client_address("10.1.2.3", "198.51.100.1", trusted) == "198.51.100.1");
  // A client may prepend what it likes: the rightmost untrusted address counts.
  CHECK(server::client_address("10.1.2.3", "6.6.6.6, 198.51.100.1, 10.9.9.9", trusted) == "198.51.100.1");
  CHECK(server::client_address("::1", "2001:db8::5", trusted) == "2001:db8::5");
  CHECK(server::client_address("10.1.2.3", "10.0.0.1, 10.0.0.2", trusted) == "10.0.0.1");
  CHECK_FALSE(server::parse_cidrs("10.0.0.0/33").has_value());
  CHECK_FALSE(server::parse_cidrs("nonsense").has_value());
  CHECK(server::is_loopback("127.0.0.1"));
  CHECK(server::is_loopback("::ffff:127.0.0.1"));
  CHECK_FALSE(server::is_loopback("10.0.0.1"));
}

TEST_CASE("each command's events carry who asked: principal anonymous in open mode, and the client's address") {
  testing::TestServer s;
  auto r = http_call(s.port(), "POST", "/mobiles", kSend);
  REQUIRE(r.status == 201);
  auto events = http_call(s.port(), "GET", "/events?from=1&limit=1").body;
  CHECK(events.find("\"principal\":\"anonymous\"") != std::string::npos);
  CHECK(events.find("\"clientAddress\":\"127.0.0.1\"") != std::string::npos);
  CHECK(events.find("\"tokenId\"") == std::string::npos);  // no token in open mode
}
