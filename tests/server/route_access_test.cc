// Every route of the router against every kind of bearer token, on one real mailboxd
// with keys: who gets 401, who gets 403 (and by which rule), who 404, who through.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <array>
#include <set>

#include "server/api.h"
#include "tests/support/keyed_mailboxd.h"

using namespace mailbox;
using namespace mailbox::testing;

namespace {

const std::string kSender = "01011112222";
const std::string kReceiver = "01033334444";
const std::string kStranger = "01055556666";
const std::string kAdmin = "01099990000";

// The tokens a request is tried with. The signed ones but stranger and admin carry the
// subject the request names (its owner), so that only the token itself is wrong.
enum Kind {
  no_token,
  malformed,          // "Bearer not-a-token"
  expired,            // RS256, exp an hour ago
  wrong_signature,    // RS256 signed by a key mailboxd does not have
  alg_none,           // {"alg":"none"}, no signature
  hs256_pem_kid,      // HS256 keyed with the RS256 public key's PEM bytes, kid of that RS256 key
  hs256_pem,          // the same without kid
  stranger,           // HS256, valid, another user's
  look_alike,         // RS256, valid, the owner's number with a leading '+'
  own,                // RS256, valid, the owner's
  admin,              // ES256, valid, another user's, scope mailbox:admin
  kKinds
};
constexpr const char* kKindNames[kKinds] = {
    "no token",       "a malformed token", "an expired token",         "a token with a wrong signature",
    "an alg none token", "HS256 keyed with the RS256 PEM (kid of the RS256 key)",
    "HS256 keyed with the RS256 PEM (no kid)", "another user's token", "a token of the owner's number with '+'",
    "the owner's token", "an admin token"};

struct Row {
  std::string method, pattern;  // the route, as the router's table has it
  std::string target, body;     // a request that reaches it
  std::string owner;            // whose number the request names
  std::string rule;             // the rule a 403 names
  std::array<int, kKinds> status;
};

// The specification: one row per route. The message id is the one sent from kSender to
// kReceiver before the table runs.
std::vector<Row> table(const std::string& id) {
  const std::string send = R"({"user":")" + kSender + R"(","receiver":")" + kReceiver + R"(","text":"table"})";
  const std::string read = R"({"receiver":")" + kReceiver + R"("})";
  // clang-format off
  return {
    //                                                                                                                   none mal  exp  sig  alg  pemk pem  strg look own  admin
    {"POST", "/mobiles", "/mobiles", send, kSender, "self_only",                                                        {401, 401, 401, 401, 401, 401, 401, 403, 403, 201, 403}},
    {"GET", "/readmails", "/readmails?receiver=" + kReceiver, "", kReceiver, "own_mailbox",                             {401, 401, 401, 401, 401, 401, 401, 403, 403, 200, 403}},
    {"GET", "/readmails/unread-count", "/readmails/unread-count?receiver=" + kReceiver, "", kReceiver, "self_only",     {401, 401, 401, 401, 401, 401, 401, 403, 403, 200, 403}},
    {"GET", "/readmails/live", "/readmails/live?receiver=" + kReceiver, "", kReceiver, "own_mailbox",                  {401, 401, 401, 401, 401, 401, 401, 403, 403, 200, 403}},
    {"GET", "/readmails/{id}", "/readmails/" + id, "", kReceiver, "participant",                                        {401, 401, 401, 401, 401, 401, 401, 404, 404, 200, 404}},
    {"POST", "/readmails/{id}/read", "/readmails/" + id + "/read", read, kReceiver, "self_only",                        {401, 401, 401, 401, 401, 401, 401, 403, 403, 200, 403}},
    {"GET", "/sentmails", "/sentmails?sender=" + kSender, "", kSender, "self_only",                                     {401, 401, 401, 401, 401, 401, 401, 403, 403, 200, 403}},
    {"GET", "/alarms", "/alarms?phone=" + kSender, "", kSender, "self_only",                                            {401, 401, 401, 401, 401, 401, 401, 403, 403, 200, 403}},
    {"GET", "/alarmLists", "/alarmLists?phone=" + kReceiver, "", kReceiver, "self_only",                                {401, 401, 401, 401, 401, 401, 401, 403, 403, 200, 403}},
    {"GET", "/alarms/dead-letters", "/alarms/dead-letters", "", kSender, "admin_scope",                                 {401, 401, 401, 401, 401, 401, 401, 403, 403, 403, 200}},
    // No such dead letter: an admin passes the rule and is told so by the handler.
    {"POST", "/alarms/dead-letters/{alarmId}/redrive", "/alarms/dead-letters/no-such-alarm/redrive?messageId=" + id, "",
                                                                                               kSender, "admin_scope",  {401, 401, 401, 401, 401, 401, 401, 403, 403, 403, 404}},
    {"GET", "/events", "/events?limit=1", "", kSender, "admin_scope",                                                   {401, 401, 401, 401, 401, 401, 401, 403, 403, 403, 200}},
    {"GET", "/events/live", "/events/live", "", kSender, "admin_scope",                                                 {401, 401, 401, 401, 401, 401, 401, 403, 403, 403, 200}},
    {"GET", "/streams/{name...}", "/streams/message-" + id, "", kSender, "admin_scope",                                 {401, 401, 401, 401, 401, 401, 401, 403, 403, 403, 200}},
    {"POST", "/admin/rebuild", "/admin/rebuild?view=readmails", "", kSender, "admin_scope",                             {401, 401, 401, 401, 401, 401, 401, 403, 403, 403, 200}},
    // Started without --backup-dir: an admin passes the rule and is told backups are off.
    {"POST", "/admin/backup", "/admin/backup", "", kSender, "admin_scope",                                              {401, 401, 401, 401, 401, 401, 401, 403, 403, 403, 404}},
    // Not a read replica: an admin passes the rule and is told there is nothing to promote.
    {"POST", "/admin/promote", "/admin/promote", "", kSender, "admin_scope",                                            {401, 401, 401, 401, 401, 401, 401, 403, 403, 403, 409}},
    // Open: a token sent along is ignored, even a bad one.
    {"GET", "/healthz", "/healthz", "", kSender, "open",                                                                {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
    {"GET", "/readyz", "/readyz", "", kSender, "open",                                                                  {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
    {"GET", "/metrics", "/metrics", "", kSender, "admin_scope",                                                         {401, 401, 401, 401, 401, 401, 401, 403, 403, 403, 200}},
    {"GET", "/openapi.json", "/openapi.json", "", kSender, "open",                                                      {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
    // Whoever signs in is told who they are; no token, no one.
    {"GET", "/whoami", "/whoami", "", kSender, "self_only",                                                             {401, 401, 401, 401, 401, 401, 401, 200, 200, 200, 200}},
    {"GET", "/", "/", "", kSender, "open",                                                                              {200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200}},
    {"GET", "/{asset}", "/no-such-file.js", "", kSender, "open",                                                        {404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404}},
  };
  // clang-format on
}

std::string authorization(Kind kind, const std::string& owner, const ServerKeys& keys) {
  const std::string claims = TokenClaims{owner, "", "jti-" + owner}.json();
  const std::string rs_pem = public_pem(rsa_key_1());
  switch (kind) {
    case no_token: return "";
    case malformed: return "Bearer not-a-token";
    case expired: return "Bearer " + keys.rs256({owner, "", "", unix_now() - 3600});
    case wrong_signature: return "Bearer " + rs256_token(rsa_key_2(), jws_header("RS256"), claims);
    case alg_none: return "Bearer " + b64url(R"({"alg":"none","typ":"JWT"})") + "." + b64url(claims) + ".";
    case hs256_pem_kid:
      return "Bearer " + hs256_token(rs_pem, jws_header("HS256", rfc7638_thumbprint(rsa_key_1())), claims);
    case hs256_pem: return "Bearer " + hs256_token(rs_pem, jws_header("HS256"), claims);
    case stranger: return "Bearer " + keys.hs256({kStranger});
    case look_alike: return "Bearer " + keys.rs256({"+" + owner});
    case own: return "Bearer " + keys.rs256({owner, "", "jti-" + owner});
    case admin: return "Bearer " + keys.es256({kAdmin, "mailbox:admin"});
    case kKinds: break;
  }
  return "";
}

std::string member(const std::string& json, const char* name) {
  simdjson::dom::parser parser;
  std::string_view value;
  if (parser.parse(json)[name].get(value) != simdjson::SUCCESS) return "(no " + std::string(name) + ")";
  return std::string(value);
}

std::uint64_t position(const std::string& json) {
  simdjson::dom::parser parser;
  std::uint64_t value = 0;
  return parser.parse(json)["position"].get(value) == simdjson::SUCCESS ? value : 0;
}

}  // namespace

TEST_CASE("every route answers every kind of token as its rule says: 401 with a challenge, 403 naming the rule, 404 to others, or through") {
  ServerKeys keys;
  TempDir data;
  auto m = start_mailboxd(MAILBOXD_PATH, keys.flags({"--data", data.str()}));
  REQUIRE(wait_ready(m.port));
  // The kid the confusion token names is the RS256 key's, as mailboxd sees it.
  const std::string rs_kid = rfc7638_thumbprint(rsa_key_1());
  REQUIRE(m.process->read_until(rs_kid + " (RS256)", std::chrono::seconds(5)).find(rs_kid + " (RS256)") !=
          std::string::npos);

  auto sent = http_call(m.port, "POST", "/mobiles", R"({"receiver":")" + kReceiver + R"(","text":"for the table"})",
                        bearer(keys.rs256({kSender})));
  REQUIRE_MESSAGE(sent.status == 201, sent.body);
  const std::string id = member(sent.body, "id");
  REQUIRE(http_call(m.port, "GET", "/readmails/" + id, "", bearer(keys.rs256({kReceiver}))).status == 200);
  // The sender is a participant too.
  CHECK(http_call(m.port, "GET", "/readmails/" + id, "", bearer(keys.hs256({kSender}))).status == 200);

  const auto rows = table(id);
  // The table covers the router's routes exactly: a new route fails here until it has a row.
  std::set<std::pair<std::string, std::string>> routed, tabled;
  for (const auto& r : server::Api::routes()) routed.emplace(r.method, r.pattern);
  for (const auto& row : rows) tabled.emplace(row.method, row.pattern);
  for (const auto& [method, pattern] : routed)
    CHECK_MESSAGE(tabled.contains({method, pattern}), method << " " << pattern << " is a route without a row here");
  for (const auto& [method, pattern] : tabled)
    CHECK_MESSAGE(routed.contains({method, pattern}), method << " " << pattern << " has a row but is no route");

  for (const auto& row : rows) {
    // The row's request reaches the row's route (the first whose method and pattern match).
    const std::string path = row.target.substr(0, row.target.find('?'));
    std::string reached = "nothing";
    for (const auto& r : server::Api::routes())
      if (r.method == row.method && server::match_path(r.pattern, path)) {
        reached = std::string(r.pattern);
        break;
      }
    CHECK_MESSAGE(reached == row.pattern, row.method << " " << row.target << " reaches " << reached);

    for (int k = 0; k < kKinds; ++k) {
      const std::string where = row.method + " " + row.pattern + " with " + kKindNames[k];
      const std::string auth = authorization(static_cast<Kind>(k), row.owner, keys);
      std::map<std::string, std::string> headers;
      if (!auth.empty()) headers["Authorization"] = auth;
      const HttpReply r = http_call(m.port, row.method, row.target, row.body, headers);
      const int want = row.status[static_cast<std::size_t>(k)];
      CHECK_MESSAGE(r.status == want, where << ": " << r.status << " (want " << want << ") " << r.body.substr(0, 300));
      if (r.status != want) continue;
      if (want == 401) {
        CHECK_MESSAGE(r.header("www-authenticate").starts_with(R"(Bearer error="invalid_token", error_description=")"),
                      where << ": WWW-Authenticate is '" << r.header("www-authenticate") << "'");
        CHECK_MESSAGE(r.header("content-type") == "application/problem+json", where);
        CHECK_MESSAGE(member(r.body, "code") == "unauthorized", where << ": " << r.body);
      } else if (want == 403) {
        CHECK_MESSAGE(r.header("content-type") == "application/problem+json", where);
        CHECK_MESSAGE(member(r.body, "code") == "forbidden", where << ": " << r.body);
        CHECK_MESSAGE(member(r.body, "rule") == row.rule, where << ": " << r.body);
      } else if (want == 404) {
        CHECK_MESSAGE(member(r.body, "code") == "not_found", where << ": " << r.body);
      } else {
        CHECK_MESSAGE(r.header("www-authenticate").empty(), where);
      }
    }
  }
  CHECK(stop(m).exit_code == 0);
}

TEST_CASE("with a token, a user, receiver or phone left out is the caller's own, and a message is read by its receiver only") {
  ServerKeys keys;
  TempDir data;
  auto m = start_mailboxd(MAILBOXD_PATH, keys.flags({"--data", data.str()}));
  REQUIRE(wait_ready(m.port));
  const auto as_sender = bearer(keys.hs256({kSender})), as_receiver = bearer(keys.rs256({kReceiver}));
  const auto as_stranger = bearer(keys.hs256({kStranger}));
  const auto as_admin = bearer(keys.es256({kAdmin, "mailbox:admin"}));

  auto sent = http_call(m.port, "POST", "/mobiles", R"({"receiver":")" + kReceiver + R"(","text":"mine"})", as_sender);
  REQUIRE_MESSAGE(sent.status == 201, sent.body);
  CHECK(member(sent.body, "user") == kSender);
  const std::string id = member(sent.body, "id");
  REQUIRE(http_call(m.port, "GET", "/readmails/" + id, "", as_receiver).status == 200);

  // The mailbox is the caller's own: the receiver's holds the message, nobody else's does.
  CHECK(http_call(m.port, "GET", "/readmails", "", as_receiver).body.find(id) != std::string::npos);
  for (const auto& other : {as_sender, as_stranger, as_admin}) {
    const HttpReply r = http_call(m.port, "GET", "/readmails", "", other);
    CHECK(r.status == 200);
    CHECK(r.body.find(id) == std::string::npos);
  }
  CHECK(http_call(m.port, "GET", "/readmails/unread-count", "", as_receiver).body.find(R"("unread":1)") !=
        std::string::npos);
  CHECK(http_call(m.port, "GET", "/readmails/unread-count", "", as_stranger).body.find(R"("unread":0)") !=
        std::string::npos);
  const auto alarms = http_call(m.port, "GET", "/alarms?wait_ms=5000&min_position=1", "", as_sender);
  CHECK(alarms.status == 200);
  CHECK(alarms.body.find(R"("phone":")" + kSender + "\"") != std::string::npos);

  // Marking read: the sender, naming no receiver, is refused by the command (not its receiver).
  const HttpReply by_sender = http_call(m.port, "POST", "/readmails/" + id + "/read", "", as_sender);
  CHECK(by_sender.status == 403);
  CHECK(member(by_sender.body, "code") == "not_receiver");
  const HttpReply read = http_call(m.port, "POST", "/readmails/" + id + "/read", "", as_receiver);
  REQUIRE_MESSAGE(read.status == 200, read.body);
  const std::string after_read = "/readmails/unread-count?min_position=" + std::to_string(position(read.body));
  CHECK(http_call(m.port, "GET", after_read, "", as_receiver).body.find(R"("unread":0)") != std::string::npos);
  CHECK(stop(m).exit_code == 0);
}
