// Attribution end to end: the events each command appends (send, mark read, redrive)
// name who asked (the token's subject, or anonymous in open mode), the token's id and
// the client's address, in GET /events and in mailbox-replay dump once mailboxd stopped.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <regex>
#include <sstream>

#include "tests/support/keyed_mailboxd.h"
#include "tests/support/stand_in.h"

using namespace mailbox;
using namespace mailbox::testing;

namespace {

const std::string kSender = "01011112222";
const std::string kReceiver = "01033334444";
const std::string kAdmin = "01099990000";
const std::string kForwardedFor = "203.0.113.7";  // the sender's address, as the trusted proxy says

// A string member of a recorded event; empty when it has none.
std::string text(simdjson::dom::element event, const char* name) {
  std::string_view value;
  return event[name].get(value) == simdjson::SUCCESS ? std::string(value) : std::string();
}

// The attribution of each command's event, in log order, one per line.
std::string attributions(const std::vector<simdjson::dom::element>& events) {
  std::string out;
  for (const auto& e : events) {
    const std::string type = text(e, "type");
    if (type != "Sent" && type != "Read" && type != "AlarmRedriveRequested") continue;
    out += type + " principal=" + text(e, "principal") + " tokenId=" + text(e, "tokenId") +
           " clientAddress=" + text(e, "clientAddress") + "\n";
  }
  return out;
}

std::string attributions_in_events(std::uint16_t port, const std::map<std::string, std::string>& admin) {
  const HttpReply r = http_call(port, "GET", "/events?limit=1000", "", admin);
  REQUIRE_MESSAGE(r.status == 200, r.body);
  simdjson::dom::parser parser;
  simdjson::dom::array events;
  REQUIRE(parser.parse(r.body)["events"].get(events) == simdjson::SUCCESS);
  return attributions(std::vector<simdjson::dom::element>(events.begin(), events.end()));
}

std::string attributions_in_dump(const std::string& data) {
  const ProcessResult dump = run_process(MAILBOX_REPLAY_PATH, {"dump", "--data", data});
  REQUIRE_MESSAGE(dump.exit_code == 0, dump.err);
  std::vector<simdjson::padded_string> lines;
  std::stringstream in(dump.out);
  for (std::string line; std::getline(in, line);) lines.emplace_back(line);
  std::vector<simdjson::dom::parser> parsers(lines.size());
  std::vector<simdjson::dom::element> events;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    simdjson::dom::element e;
    REQUIRE(parsers[i].parse(lines[i]).get(e) == simdjson::SUCCESS);
    events.push_back(e);
  }
  return attributions(events);
}

// The webhook's answer to every alarm: a 4xx, so that each is dead-lettered after its attempts.
server::HttpResponse refuse(const server::HttpRequest&) {
  server::HttpResponse r;
  r.status = 400;
  return r;
}

struct Callers {
  std::map<std::string, std::string> sender, receiver, admin;  // headers each sends (its token, if any)
};

// Sends a message from kSender (through the proxy) to kReceiver, marks it read as
// kReceiver, and redrives one of its alarms once the webhook's refusals dead-letter it.
void run_commands(std::uint16_t port, Callers as) {
  as.sender["X-Forwarded-For"] = kForwardedFor;
  const HttpReply sent = http_call(
      port, "POST", "/mobiles", R"({"user":")" + kSender + R"(","receiver":")" + kReceiver + R"(","text":"who"})",
      as.sender);
  REQUIRE_MESSAGE(sent.status == 201, sent.body);
  const std::string id = std::regex_replace(sent.body, std::regex(R"re(.*"id":"([^"]+)".*)re"), "$1");
  REQUIRE(http_call(port, "GET", "/readmails/" + id, "", as.receiver).status == 200);  // it is in the mailbox
  const HttpReply read =
      http_call(port, "POST", "/readmails/" + id + "/read", R"({"receiver":")" + kReceiver + R"("})", as.receiver);
  REQUIRE_MESSAGE(read.status == 200, read.body);
  const std::regex redrive_link(R"re("redrive":\{"href":"([^"]+)")re");
  std::smatch link;
  std::string dead;
  REQUIRE(eventually([&] {
    dead = http_call(port, "GET", "/alarms/dead-letters", "", as.admin).body;
    return std::regex_search(dead, link, redrive_link);
  }));
  const HttpReply redrive = http_call(port, "POST", link[1].str(), "", as.admin);
  REQUIRE_MESSAGE(redrive.status == 202, redrive.body);
}

}  // namespace

TEST_CASE("with keys each command's event names the token's subject, its jti and the client address, in GET /events and in dump") {
  StandIn webhook(refuse);
  ServerKeys keys;
  TempDir data;
  auto m = start_mailboxd(MAILBOXD_PATH, keys.flags({"--data", data.str(), "--alarm-webhook", webhook.url("/alarms"),
                                                     "--trusted-proxies", "127.0.0.1/32"}));
  REQUIRE(wait_ready(m.port));
  // The admin's token from mailbox-token, the others' made here.
  const ProcessResult minted =
      run_process(MAILBOX_TOKEN_PATH, {"--hs256-secret-file", keys.secret_file, "--sub", kAdmin, "--scope",
                                       "mailbox:admin", "--jti", "jti-redrive", "--iss", kTokenIssuer, "--aud",
                                       kTokenAudience});
  REQUIRE_MESSAGE(minted.exit_code == 0, minted.err);
  const std::string admin_token = minted.out.substr(0, minted.out.find('\n'));
  Callers as{bearer(keys.rs256({kSender, "", "jti-send"})), bearer(keys.es256({kReceiver, "", "jti-read"})),
             bearer(admin_token)};
  run_commands(m.port, as);

  const std::string expected = "Sent principal=" + kSender + " tokenId=jti-send clientAddress=" + kForwardedFor +
                               "\n"
                               "Read principal=" + kReceiver + " tokenId=jti-read clientAddress=127.0.0.1\n"
                               "AlarmRedriveRequested principal=" + kAdmin +
                               " tokenId=jti-redrive clientAddress=127.0.0.1\n";
  CHECK(attributions_in_events(m.port, as.admin) == expected);
  REQUIRE(stop(m).exit_code == 0);
  CHECK(attributions_in_dump(data.str()) == expected);
}

TEST_CASE("in open mode each command's event names the principal anonymous, no token id, and the client address") {
  StandIn webhook(refuse);
  TempDir data;
  auto m = start_mailboxd(MAILBOXD_PATH, {"--data", data.str(), "--alarm-webhook", webhook.url("/alarms"),
                                          "--trusted-proxies", "127.0.0.1/32"});
  REQUIRE(wait_ready(m.port));
  run_commands(m.port, {});

  const std::string expected = "Sent principal=anonymous tokenId= clientAddress=" + kForwardedFor +
                               "\n"
                               "Read principal=anonymous tokenId= clientAddress=127.0.0.1\n"
                               "AlarmRedriveRequested principal=anonymous tokenId= clientAddress=127.0.0.1\n";
  CHECK(attributions_in_events(m.port, {}) == expected);
  REQUIRE(stop(m).exit_code == 0);
  CHECK(attributions_in_dump(data.str()) == expected);
}
