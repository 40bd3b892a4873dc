// Writes the seed corpora of the fuzz targets into FOLDER/fuzz_<what>/: real requests
// (as mailboxd's clients and tests send them), bodies, targets, log values, view rows and
// replication messages made with the project's own encoders, and tokens as
// mailbox-token makes them.
//   make_fuzz_seeds tests/fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "app/events.h"
#include "app/queries/rows.h"
#include "app/replication/log_message.h"
#include "core/eventstore/big_endian.h"
#include "core/eventstore/internal/envelope_codec.h"
#include "tests/support/token_maker.h"

using namespace mailbox;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

fs::path root;

void seed(const std::string& target, const std::string& name, std::string_view bytes) {
  const fs::path dir = root / target;
  fs::create_directories(dir);
  std::ofstream out(dir / name, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string request(std::string_view method, std::string_view target, std::string_view headers = "",
                    std::string_view body = "") {
  std::string r = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: localhost:8080\r\n";
  r += headers;
  if (!body.empty() || method == "POST")
    r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  return r + "\r\n" + std::string(body);
}

std::string chunk(std::string_view bytes) {
  char size[20];
  std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
  return size + std::string(bytes) + "\r\n";
}

constexpr std::string_view kId = "019abf2c-7d10-7c3e-8a51-2f4e6b9d0c12";
constexpr std::string_view kAlarmId = "5f0c6a2e-3b1d-4e8f-9a7c-0d2e4f6a8b1c";
const std::string kSecret = "0123456789abcdef0123456789abcdef-hs256";  // fuzz_token's
const std::string kClaims =
    R"({"sub":"01012345678","exp":1800000600,"iss":"https://issuer.test","aud":"mailbox","scope":"mailbox:send mailbox:admin","jti":"token-1"})";

void http_seeds() {
  const std::string id(kId), alarm(kAlarmId);
  const std::string send = R"({"user":"01012345678","receiver":"01099998888","text":"hello"})";
  const std::string bearer = "Authorization: Bearer " + testing::hs256_token(kSecret, testing::jws_header("HS256"), kClaims) + "\r\n";
  seed("fuzz_http", "post_mobiles", request("POST", "/mobiles", "", send));
  seed("fuzz_http", "post_mobiles_token_idempotent",
       request("POST", "/mobiles", bearer + "Idempotency-Key: retry-1\r\nOrigin: https://app.example\r\n",
               R"({"receiver":"+821099998888","text":"안녕\n하세요"})"));
  seed("fuzz_http", "get_readmails", request("GET", "/readmails?receiver=01099998888&limit=2&cursor=17"));
  seed("fuzz_http", "get_readmail", request("GET", "/readmails/" + id + "?min_position=3&wait_ms=100", bearer));
  seed("fuzz_http", "get_unread_count", request("GET", "/readmails/unread-count?receiver=01099998888"));
  seed("fuzz_http", "post_mark_read", request("POST", "/readmails/" + id + "/read", "", R"({"receiver":"01099998888"})"));
  seed("fuzz_http", "get_alarms", request("GET", "/alarms?phone=01012345678&limit=5", "X-Forwarded-For: 203.0.113.9, 10.0.0.2\r\n"));
  seed("fuzz_http", "get_alarm_lists", request("GET", "/alarmLists?phone=01012345678"));
  seed("fuzz_http", "get_dead_letters", request("GET", "/alarms/dead-letters?limit=10", bearer));
  seed("fuzz_http", "post_redrive", request("POST", "/alarms/dead-letters/" + alarm + "/redrive?messageId=" + id, bearer));
  seed("fuzz_http", "get_events", request("GET", "/events?from=1&limit=100", bearer));
  seed("fuzz_http", "get_events_live", request("GET", "/events/live?type=Sent,Saved&stream=message-" + id, "Last-Event-ID: 41\r\nAccept: text/event-stream\r\n"));
  seed("fuzz_http", "get_stream", request("GET", "/streams/message-" + id + "?from_version=1&limit=10"));
  seed("fuzz_http", "post_rebuild", request("POST", "/admin/rebuild?view=all", bearer));
  seed("fuzz_http", "get_health_ready_metrics_openapi",
       request("GET", "/healthz") + request("GET", "/readyz") + request("GET", "/metrics") + request("GET", "/openapi.json"));
  seed("fuzz_http", "options_preflight",
       request("OPTIONS", "/mobiles", "Origin: https://app.example\r\nAccess-Control-Request-Method: POST\r\n"));
  seed("fuzz_http", "not_found_and_405", request("GET", "/nowhere/%E2%9C%93") + request("DELETE", "/mobiles"));
  seed("fuzz_http", "post_chunked",
       "POST /mobiles HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
       "Transfer-Encoding: chunked\r\n\r\n" + chunk(send.substr(0, 16)) + chunk(send.substr(16)) + "0\r\n\r\n");
  seed("fuzz_http", "expect_continue_http10",
       "POST /mobiles HTTP/1.0\r\nHost: [::1]:8080\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(send.size()) + "\r\n\r\n" + send);
  seed("fuzz_http", "close", request("GET", "/readmails", "Connection: close\r\n") + request("GET", "/healthz"));
}

void json_body_seeds() {
  seed("fuzz_json_body", "send", "\x00" R"({"user":"01012345678","receiver":"01099998888","text":"hello"})"s);
  seed("fuzz_json_body", "send_with_token", "\x01" R"({"receiver":"+821099998888","text":"안녕\n\t\"quoted\" \u00e9 \ud83d\ude00"})"s);
  seed("fuzz_json_body", "send_extra_fields", "\x00" R"({"user":"010","receiver":"0109999888812345678901","text":"x","extra":[1,2.5e3,{"a":null}],"flag":true})"s);
  seed("fuzz_json_body", "mark_read", "\x02" R"({"receiver":"01099998888"})"s);
  seed("fuzz_json_body", "mark_read_empty", "\x02{}"s);
  seed("fuzz_json_body", "redrive", "\x03" R"({"messageId":"019abf2c-7d10-7c3e-8a51-2f4e6b9d0c12"})"s);
  seed("fuzz_json_body", "wrong_type", "\x00" R"({"user":1,"receiver":"01099998888","text":"hello"})"s);
  seed("fuzz_json_body", "trailing", "\x02" R"({"receiver":"01099998888"} {})"s);
}

void query_seeds() {
  const std::string id(kId);
  for (const auto& [name, target] : std::vector<std::pair<std::string, std::string>>{
           {"readmails", "/readmails?receiver=01099998888&limit=20&cursor=18446744073709551615"},
           {"readmails_fresh", "/readmails?min_position=12&wait_ms=20000"},
           {"readmail", "/readmails/" + id},
           {"mark_read", "/readmails/" + id + "/read?receiver=%2B821099998888"},
           {"alarms", "/alarms?phone=01012345678&limit=100&cursor=7"},
           {"dead_letters", "/alarms/dead-letters?limit=1&cursor=3"},
           {"redrive", "/alarms/dead-letters/" + std::string(kAlarmId) + "/redrive?messageId=" + id},
           {"events", "/events?from=0&limit=1000"},
           {"live", "/events/live?type=Sent,Read&stream=message-" + id + "&from=5&Last-Event-ID=9"},
           {"stream", "/streams/message-" + id + "?from_version=2&limit=3"},
           {"stream_slashes", "//streams//a%2Fb/c+d?x=%20&&y&=z"},
           {"rebuild", "/admin/rebuild?view=readmails"},
       })
    seed("fuzz_query", name, target);
}

std::vector<std::string> envelopes;  // the log values of log_value_seeds, positions 1, 2, ...
std::vector<eventstore::EventId> ids;  // their event ids

void log_value_seeds() {
  const std::vector<app::MailboxEvent> events = {
      app::Sent{std::string(kId), "01012345678", "01099998888", "안녕 hello", 1'790'000'000'000'000, "pay-77"},
      app::Saved{std::string(kId), "01012345678", "01099998888", "안녕 hello", 1'790'000'000'000'000},
      app::Alarmed{std::string(kAlarmId), std::string(kId), "01099998888", app::AlarmKind::arrived, "webhook", 1'790'000'000'100'000},
      app::Read{std::string(kId), "01099998888", 1'790'000'001'000'000},
      app::AlarmDeadLettered{std::string(kAlarmId), std::string(kId), "01012345678", app::AlarmKind::sent, "webhook",
                             "HTTP 410 Gone", 5, 1'790'000'002'000'000},
      app::AlarmRedriveRequested{std::string(kAlarmId), std::string(kId), "01012345678", app::AlarmKind::sent, "안녕",
                                 1'790'000'003'000'000},
  };
  eventstore::EnvelopeEncoder encoder;
  std::uint64_t position = 1;
  for (std::size_t i = 0; i < events.size(); ++i) {
    eventstore::NewEvent e = app::to_new_event(events[i]);
    const std::string type = e.type;
    if (i % 2 == 1) {  // as a policy derives it, with an issuer and where it came from
      e.correlation_id = *eventstore::parse_event_id(kId);
      e.causation_position = position - 1;
      e.principal = "01012345678";
      e.token_id = "token-1";
      e.client_address = "203.0.113.9";
    }
    const auto id = eventstore::derive_event_id(*eventstore::parse_event_id(kAlarmId), type);
    const std::string_view envelope =
        encoder.encode(position, app::message_stream(kId), position, e, id, 1'790'000'000'000'000 + static_cast<std::int64_t>(position));
    seed("fuzz_log_value", "envelope_" + type, "\x00"s + std::string(envelope));
    envelopes.emplace_back(envelope);
    ids.push_back(id);
    seed("fuzz_log_value", "payload_" + type, "\x01"s + static_cast<char>(i) + e.payload);
    ++position;
  }
}

// The headers as "Name: value" lines, an empty line, then the body.
void replication_seed(const std::string& name, const replication::LogMessage& message) {
  for (auto format : {replication::BodyFormat::compressed, replication::BodyFormat::uncompressed}) {
    const auto encoded = replication::encode_message(message, format);
    std::string bytes;
    for (const auto& [header, value] : encoded.headers) bytes += header + ": " + value + "\n";
    seed("fuzz_replication_message", (format == replication::BodyFormat::uncompressed ? "format1_" : "") + name,
         bytes + "\n" + encoded.body);
  }
}

void replication_message_seeds() {
  replication::LogMessage two{{1, {envelopes[0], envelopes[1]}, {{ids[0], {1, 1, 1, false}}}, true,
                               {{"alarm-policy", 1}, {"mailbox-policy", 2}}},
                              1};
  replication_seed("two_events_with_checkpoints", two);
  replication_seed("one_event", {{3, {envelopes[2]}, {}, false, {}}, 2});
  replication_seed("checkpoints_alone", {{8, {}, {}, true, {{"alarm-policy", 7}, {"mailbox-policy", 7}}}, 2});
}

void views_row_seeds() {
  using namespace queries;
  const MailRow mail{std::string(kId), "01012345678", "01099998888", "안녕 hello", 1'790'000'000'000'000, true, 2};
  const AlarmRow alarm{std::string(kAlarmId), std::string(kId), "01099998888", "arrived", "webhook", 1'790'000'000'100'000, 3};
  seed("fuzz_views_row", "mail", "\x00"s + encode(mail));
  seed("fuzz_views_row", "alarm", "\x01"s + encode(alarm));
  seed("fuzz_views_row", "dead_letter", "\x02"s + encode(DeadLetterRow{alarm, "HTTP 410 Gone", 5}));
  seed("fuzz_views_row", "unread_count", "\x03"s + eventstore::encode_u64(42));
  seed("fuzz_views_row", "sent",
       "\x04"s + encode(SentRow{std::string(kId), "01012345678", "01099998888", "안녕", 1'790'000'000'000'000, true,
                               1'790'000'001'000'000, 1}));
}

void token_seeds() {
  seed("fuzz_token", "hs256", "\x00"s + testing::hs256_token(kSecret, testing::jws_header("HS256", "hs256"), kClaims));
  seed("fuzz_token", "rs256", "\x00"s + testing::rs256_token(testing::rsa_key_1(), testing::jws_header("RS256", "rsa-1"), kClaims));
  seed("fuzz_token", "es256", "\x00"s + testing::es256_token(testing::ec_key_1(), testing::jws_header("ES256", "ec-1"), kClaims));
  seed("fuzz_token", "alg_none", "\x00"s + testing::signing_input(R"({"alg":"none"})", kClaims) + ".");
  seed("fuzz_token", "sign_hs256_claims", "\x01"s + kClaims);
  seed("fuzz_token", "sign_hs256_header_claims",
       "\x01"s + R"({"alg":"HS256","typ":"JWT","kid":"hs256","crit":["exp"]})" + '\0' +
           R"({"sub":"+821012345678","exp":1.8e9,"nbf":1799999999,"iss":"https://issuer.test","aud":["other","mailbox"]})");
  seed("fuzz_token", "sign_es256_claims", "\x02"s + kClaims);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_seeds FOLDER\n");
    return 2;
  }
  root = argv[1];
  http_seeds();
  json_body_seeds();
  query_seeds();
  log_value_seeds();
  replication_message_seeds();
  views_row_seeds();
  token_seeds();
  return 0;
}
