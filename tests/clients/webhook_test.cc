#include <doctest/doctest.h>
#include <signal.h>
#include <sys/wait.h>

#include <future>
#include <regex>
#include <map>
#include <set>
#include <thread>

#include "clients/webhook_alarm_sink.h"
#include "tests/support/engine_parts.h"
#include "tests/support/eventually.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/hold.h"
#include "tests/support/http_client.h"
#include "tests/support/mailboxd_process.h"
#include "tests/support/process.h"
#include "tests/support/stand_in.h"
#include "tests/support/test_server.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::http_call;

namespace {

enum class Mode { up, unavailable, hang, poison };

// Answers as the mode says; in poison mode, 400 for alarms about a "poison" message.
server::HttpResponse webhook_answer(Mode mode, const server::HttpRequest& req) {
  server::HttpResponse r;
  r.body = "{}";
  if (mode == Mode::unavailable) r.status = 503;
  if (mode == Mode::hang) std::this_thread::sleep_for(300ms);
  if (mode == Mode::poison && req.body.find("poison") != std::string::npos) r.status = 400;
  return r;
}

std::string json_field(const std::string& body, const std::string& name) {
  const auto at = body.find("\"" + name + "\":\"");
  if (at == std::string::npos) return {};
  const auto start = at + name.size() + 4;
  return body.substr(start, body.find('"', start) - start);
}

std::uint64_t number_field(const std::string& body, const std::string& name) {
  const auto at = body.find("\"" + name + "\":");
  return at == std::string::npos ? 0 : std::stoull(body.substr(at + name.size() + 3));
}

// Alarm ids the webhook answered 2xx for, from the stand-in's record and answers.
std::set<std::string> alarm_ids_in_log(app::Engine& engine, const char* type = "Alarmed") {
  std::set<std::string> ids;
  (void)testing::log_of(engine).scan_log(1, UINT64_MAX, [&](eventstore::RecordedEvent&& e) {
    if (e.type == type) {
      auto d = app::decode(e).value();
      if (auto* a = std::get_if<app::Alarmed>(&d)) ids.insert(a->alarm_id);
      if (auto* x = std::get_if<app::AlarmDeadLettered>(&d)) ids.insert(x->alarm_id);
    }
    return true;
  });
  return ids;
}

clients::WebhookOptions quick() {
  clients::WebhookOptions o;
  o.timeout = 200ms;
  o.first_backoff = 2ms;
  o.breaker.cool_down = 50ms;
  return o;
}

}  // namespace

TEST_CASE("a webhook refusing, hanging or failing while 5000 messages are sent delays nothing, and then gets every alarm") {
  std::uint16_t port;
  {
    testing::StandIn probe([](const server::HttpRequest&) { return server::HttpResponse{}; });
    port = probe.port();
  }  // now nothing listens there: connections are refused
  clients::WebhookAlarmSink sink(*clients::Url::parse("http://127.0.0.1:" + std::to_string(port) + "/alarms"), quick());
  testing::TestServer s({}, nullptr, &sink);

  std::atomic<int> created{0}, not_created{0}, reads_ok{0}, reads_bad{0};
  auto send_burst = [&](int count) {
    std::vector<std::thread> clients;
    for (int t = 0; t < 8; ++t)
      clients.emplace_back([&, t] {
        testing::HttpConnection c(s.port());
        for (int i = t; i < count; i += 8) {
          auto r = c.call("POST", "/mobiles",
                          R"({"user":"0101234)" + std::to_string(1000 + i % 10) + R"(","receiver":"0109999)" +
                              std::to_string(1000 + i % 20) + R"(","text":"hello )" + std::to_string(i) + R"("})");
          ++(r.status == 201 ? created : not_created);
          if (i % 50 == 0) {
            auto q = c.call("GET", "/readmails?receiver=01099991000&limit=5");
            ++(q.status == 200 ? reads_ok : reads_bad);
          }
        }
      });
    for (auto& c : clients) c.join();
  };

  send_burst(1700);  // refused
  std::atomic<Mode> mode{Mode::unavailable};
  auto webhook = std::make_unique<testing::StandIn>(
      [&](const server::HttpRequest& req) { return webhook_answer(mode, req); }, 4, port);
  send_burst(1700);  // 503
  mode = Mode::hang;
  send_burst(1600);  // hanging past the timeout
  CHECK(created == 5000);
  CHECK(not_created == 0);
  CHECK(reads_ok > 0);
  CHECK(reads_bad == 0);
  const auto head_when_sent = testing::log_of(*s.engine).head();
  REQUIRE(s.engine->wait_visible("readmails", head_when_sent, 30s));

  mode = Mode::up;
  // Every Sent and Saved gets its alarm once the webhook is back.
  REQUIRE(s.engine->wait_visible("alarms", head_when_sent, 60s));
  const auto logged = alarm_ids_in_log(*s.engine);
  CHECK(logged.size() == 10000);
  std::set<std::string> delivered;
  for (const auto& req : webhook->requests()) {
    const std::string id = json_field(req.body, "alarmId");
    CHECK(std::string(req.header("idempotency-key").value_or("")) == id);
    CHECK(logged.contains(id));  // repeats, if any, carry a known key
    delivered.insert(id);
  }
  CHECK(delivered == logged);
  CHECK(testing::policy_counter(*s.engine, "alarm-policy", "alarms_dead_lettered_total") == 0);
}

TEST_CASE("an alarm the webhook rejects with 400 is dead-lettered after its attempts while the others flow") {
  std::atomic<Mode> mode{Mode::poison};
  testing::StandIn webhook([&](const server::HttpRequest& req) { return webhook_answer(mode, req); });
  clients::WebhookAlarmSink sink(*clients::Url::parse(webhook.url("/alarms")), quick());
  testing::TestServer s({}, nullptr, &sink);
  std::uint64_t last = 0;
  for (const char* text : {"one", "two", "poison pill", "four", "five"}) {
    auto r = s.engine->send().send_and_wait({"01012345678", "01099998888", text, std::nullopt});
    REQUIRE(r.has_value());
    last = r->position;
  }
  REQUIRE(s.engine->wait_visible("alarms", last, 10s));
  CHECK(alarm_ids_in_log(*s.engine, "Alarmed").size() == 8);
  CHECK(alarm_ids_in_log(*s.engine, "AlarmDeadLettered").size() == 2);
  std::size_t poison_calls = 0;
  for (const auto& req : webhook.requests()) poison_calls += req.body.find("poison") != std::string::npos;
  CHECK(poison_calls == 2 * 3);  // both alarms of the poison message, three attempts each

  auto dead = http_call(s.port(), "GET", "/alarms/dead-letters");
  CHECK(dead.status == 200);
  CHECK(dead.body.find("\"reason\":\"the webhook answered 400") != std::string::npos);
  CHECK(dead.body.find("\"attempts\":3") != std::string::npos);
  auto metrics = http_call(s.port(), "GET", "/metrics").body;
  CHECK(metrics.find("mailbox_alarms_dead_lettered_total 2") != std::string::npos);
  CHECK(metrics.find("mailbox_alarms_delivered_total 8") != std::string::npos);

  // Once the webhook takes them, a redrive delivers each dead letter, under its own id.
  mode = Mode::up;
  const auto dead_ids = alarm_ids_in_log(*s.engine, "AlarmDeadLettered");
  const std::regex redrive_link(R"re("redrive":\{"href":"([^"]+)")re");
  std::uint64_t last_request = 0;
  for (std::sregex_iterator it(dead.body.begin(), dead.body.end(), redrive_link), end; it != end; ++it) {
    auto r = http_call(s.port(), "POST", (*it)[1].str());
    CHECK(r.status == 202);
    const auto at = r.body.find("\"position\":");
    if (at != std::string::npos) last_request = std::max<std::uint64_t>(last_request, std::stoull(r.body.substr(at + 11)));
  }
  REQUIRE(last_request > 0);
  REQUIRE(testing::followers_of(*s.engine).wait_handled("alarm-policy", last_request, 10s));
  REQUIRE(testing::followers_of(*s.engine).wait_handled("alarms", testing::log_of(*s.engine).head(), 10s));
  auto delivered_after = alarm_ids_in_log(*s.engine, "Alarmed");
  for (const auto& id : dead_ids) CHECK(delivered_after.contains(id));
  auto empty = http_call(s.port(), "GET", "/alarms/dead-letters");
  CHECK(empty.body.find("\"deadLetters\":[]") != std::string::npos);
  auto again = http_call(s.port(), "POST", "/alarms/dead-letters/" + *dead_ids.begin() + "/redrive?messageId=x");
  CHECK(again.status == 404);
}

TEST_CASE("SIGKILL during alarm delivery: after restart every undelivered alarm is delivered, once each") {
  // The first process delivers to /before, which refuses everything (503): no alarm is
  // delivered, though deliveries are under way when it dies. The restarted one delivers
  // to /after, which takes them. Requests the first process sent just before it died
  // may still reach the stand-in after the kill: the path keeps them apart.
  testing::StandIn webhook([&](const server::HttpRequest& req) {
    return webhook_answer(req.target.starts_with("/before") ? Mode::unavailable : Mode::up, req);
  });
  testing::TempDir dir;
  auto start = [&](const char* path) {
    auto m = testing::start_mailboxd(MAILBOXD_PATH, {"--data", dir.str(), "--alarm-webhook", webhook.url(path)});
    return std::make_pair(std::move(m.process), m.port);
  };
  auto [first, port] = start("/before");
  for (int i = 0; i < 40; ++i)
    REQUIRE(http_call(port, "POST", "/mobiles",
                      R"({"user":"01012345678","receiver":"01099998888","text":"m)" + std::to_string(i) + R"("})")
                .status == 201);
  REQUIRE_MESSAGE(testing::eventually([&] { return webhook.count() >= 3; }), "no delivery was tried");
  first->kill();  // SIGKILL, deliveries being tried
  first->wait();

  auto [second, port2] = start("/after");
  std::map<std::string, int> calls;  // alarm id -> deliveries after the restart
  auto count_calls = [&] {
    calls.clear();
    for (const auto& req : webhook.requests())
      if (req.target.starts_with("/after") && !req.body.empty()) ++calls[json_field(req.body, "alarmId")];
    return calls.size() >= 80;
  };
  REQUIRE_MESSAGE(testing::eventually(count_calls, 20s), calls.size() << " of 80 alarms delivered after the restart");
  CHECK(calls.size() == 80);  // 40 messages, two alarms each, none missing
  for (const auto& [id, n] : calls) CHECK_MESSAGE(n == 1, id << " delivered " << n << " times");
  // The alarm list shows them all, caught up (not stale).
  const auto head = number_field(http_call(port2, "GET", "/readyz").body, "head");
  auto alarms =
      http_call(port2, "GET", "/alarms?phone=01099998888&limit=100&wait_ms=10000&min_position=" + std::to_string(head));
  CHECK(alarms.status == 200);
  CHECK(alarms.header("x-stale").empty());
  std::size_t listed = 0;
  for (auto at = alarms.body.find("\"kind\":\"arrived\""); at != std::string::npos;
       at = alarms.body.find("\"kind\":\"arrived\"", at + 1))
    ++listed;
  CHECK(listed == 40);
  second->kill();
}

TEST_CASE("cancel() makes deliver_many answer retry within 500 ms while the webhook hangs with a batch in flight") {
  testing::Hold hang(3s);  // the webhook answers 200, but only after 3 s
  testing::StandIn webhook(
      [&](const server::HttpRequest&) {
        hang.hold();
        return server::HttpResponse{};
      },
      6);
  auto options = quick();
  options.window = 4;
  options.timeout = 10s;  // longer than the hang: only cancel() can cut the wait short
  clients::WebhookAlarmSink sink(*clients::Url::parse(webhook.url("/alarms")), options);
  std::vector<commands::Alarm> alarms(8);
  for (std::size_t i = 0; i < alarms.size(); ++i) alarms[i].alarm_id = "alarm-" + std::to_string(i);

  auto delivering = std::async(std::launch::async, [&] { return sink.deliver_many(alarms); });
  REQUIRE_MESSAGE(hang.wait_arrived(4, 5s), "the window's four calls did not reach the webhook");
  const auto cancelled_at = std::chrono::steady_clock::now();
  sink.cancel();  // from another thread than the one in deliver_many
  const bool returned = delivering.wait_until(cancelled_at + 500ms) == std::future_status::ready;
  if (!returned) hang.release();  // so that the test ends soon
  REQUIRE_MESSAGE(returned, "deliver_many still waited 500 ms after cancel(), the webhook hanging for 3 s");
  const auto outcomes = delivering.get();
  REQUIRE(outcomes.size() == alarms.size());
  for (const auto& d : outcomes) CHECK(d.outcome == commands::Delivery::Outcome::retry);

  // Afterwards a delivery answers retry at once, without a call.
  const auto started = std::chrono::steady_clock::now();
  CHECK(sink.deliver(alarms[0]).outcome == commands::Delivery::Outcome::retry);
  CHECK(std::chrono::steady_clock::now() - started < 100ms);
  hang.release();
  CHECK(webhook.count() == 4);  // the four queued alarms were answered without a call
  CHECK(sink.calls() == 4);
}

TEST_CASE("with the webhook hanging, cancel() lets the alarm policy's runner stop within 500 ms") {
  testing::Hold hang(3s);
  testing::StandIn webhook(
      [&](const server::HttpRequest&) {
        hang.hold();
        return server::HttpResponse{};
      },
      6);
  auto options = quick();
  options.window = 4;
  options.timeout = 10s;
  clients::WebhookAlarmSink sink(*clients::Url::parse(webhook.url("/alarms")), options);
  testing::TestServer s({}, nullptr, &sink);
  testing::followers_of(*s.engine).stop("alarm-policy");  // so that its first batch holds all ten alarms
  std::uint64_t last = 0;
  for (int i = 0; i < 5; ++i)
    last = s.engine->send().send_and_wait({"01012345678", "01099998888", "m" + std::to_string(i), std::nullopt})
               .value()
               .position;
  REQUIRE(s.engine->wait_visible("readmails", last, 5s));
  REQUIRE(testing::followers_of(*s.engine).start("alarm-policy").has_value());
  REQUIRE_MESSAGE(hang.wait_arrived(4, 5s), "the alarms did not reach the webhook");

  const auto cancelled_at = std::chrono::steady_clock::now();
  sink.cancel();
  auto stopping = std::async(std::launch::async, [&] { testing::followers_of(*s.engine).stop("alarm-policy"); });
  const bool stopped = stopping.wait_until(cancelled_at + 500ms) == std::future_status::ready;
  if (!stopped) hang.release();
  REQUIRE_MESSAGE(stopped, "the alarm policy's runner still running 500 ms after cancel(), the webhook hanging");
  CHECK(testing::policy_counter(*s.engine, "alarm-policy", "alarms_delivered_total") == 0);  // nothing was answered before the cancel
  CHECK(!testing::followers_of(*s.engine).status("alarm-policy")->error);
  hang.release();
}
