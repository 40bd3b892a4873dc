#include <doctest/doctest.h>

#include <thread>

#include "app/engine.h"
#include "tests/support/engine_parts.h"
#include "tests/support/eventually.h"
#include "tests/support/faulty_file_system.h"
#include "tests/support/test_server.h"
#include "tests/support/http_client.h"
#include "tests/support/mailboxd_process.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace std::chrono_literals;

TEST_CASE("mailboxd is ready only once the readmails view shows its log, whatever the alarm channel does") {
  testing::TempDir dir;
  std::string last_id;
  {
    // A log of sends that no policy has handled yet.
    app::EngineOptions options;
    options.data_dir = dir.str();
    auto engine = std::move(app::Engine::open(options).value());
    for (int i = 0; i < 20000; i += 500) {
      std::atomic<int> failures{0};
      std::promise<void> all;
      std::atomic<int> left{500};
      for (int k = 0; k < 500; ++k)
        engine->send().send({"01012345678", "0109999" + std::to_string(1000 + k % 100), "m", std::nullopt},
                            [&, k, i](eventstore::Result<commands::SendResult> r) {
                              if (!r) ++failures;
                              else if (k == 499 && i + 500 >= 20000) last_id = r->sent.message_id;
                              if (--left == 0) all.set_value();
                            });
      all.get_future().wait();
      REQUIRE(failures == 0);
    }
  }
  // The alarm webhook points where nothing listens: alarms stay undelivered.
  auto server = testing::start_mailboxd(MAILBOXD_PATH, {"--data", dir.str(), "--alarm-webhook", "http://127.0.0.1:1/alarms"});
  int not_ready = 0, ready = 0;
  std::string reason;
  const bool became_ready = testing::eventually([&] {
    auto r = testing::http_call(server.port, "GET", "/readyz");
    if (r.status == 503) {
      ++not_ready;
      reason = r.body;
    } else if (r.status == 200) {
      ++ready;
    }
    return ready > 0;
  }, 20s, 5ms);
  REQUIRE_MESSAGE(became_ready, "never ready: " << reason);
  // Ready means caught up: the last message sent before the start is in the mailbox view
  // at once (no waiting for it).
  REQUIRE_FALSE(last_id.empty());
  CHECK(testing::http_call(server.port, "GET", "/readmails/" + last_id + "?wait_ms=0").status == 200);
  if (not_ready > 0) {  // the usual case: polled while it was catching up
    CHECK(reason.find("\"code\":\"starting\"") != std::string::npos);
    CHECK(reason.find("catching up") != std::string::npos);
  }
  CHECK(testing::http_call(server.port, "GET", "/healthz").status == 200);
  // Ready although the alarm policy cannot deliver anything.
  auto metrics = testing::http_call(server.port, "GET", "/metrics").body;
  CHECK(metrics.find("mailbox_alarms_delivered_total 0") != std::string::npos);
  CHECK(metrics.find("# TYPE mailbox_client_calls_total counter") != std::string::npos);  // the webhook's lines
  CHECK(metrics.find("mailbox_client_calls_total{client=\"alarm-webhook\"}") != std::string::npos);
  CHECK(testing::http_call(server.port, "GET", "/readyz").status == 200);
  server.process->kill();
}

TEST_CASE("readyz says starting until the readmails view shows the log as it was, then 200") {
  testing::TestServer s;
  s.api->set_ready(false);
  // A message the mailbox policy has not handled: the readmails view cannot show it.
  testing::followers_of(*s.engine).stop("mailbox-policy");
  REQUIRE(testing::http_call(s.port(), "POST", "/mobiles", R"({"user":"01012345678","receiver":"01099998888","text":"hi"})")
              .status == 201);
  s.api->become_ready_when_caught_up();
  auto starting = testing::http_call(s.port(), "GET", "/readyz");
  CHECK(starting.status == 503);
  CHECK(starting.body.find("\"code\":\"starting\"") != std::string::npos);
  CHECK(starting.header("retry-after") == "1");

  REQUIRE(testing::followers_of(*s.engine).start("mailbox-policy").has_value());
  REQUIRE(testing::eventually([&] { return testing::http_call(s.port(), "GET", "/readyz").status == 200; }));
  CHECK(testing::http_call(s.port(), "GET", "/readmails?receiver=01099998888&wait_ms=0").body.find("\"hi\"") !=
        std::string::npos);
}

TEST_CASE("a failed storage write makes /readyz 503 storage_failed saying a restart is needed, sends 503 storage_failed, and the log's gauge 0") {
  auto [fs, env] = testing::FaultyFileSystem::make();
  testing::TestServer s({}, nullptr, nullptr, env.get());
  const std::string body = R"({"user":"01012345678","receiver":"01099998888","text":"hi"})";
  REQUIRE(testing::http_call(s.port(), "POST", "/mobiles", body).status == 201);
  CHECK(testing::http_call(s.port(), "GET", "/readyz").status == 200);

  fs->fail_wal_writes(true);
  auto refused = testing::http_call(s.port(), "POST", "/mobiles", body);
  CHECK(refused.status == 503);
  fs->fail_wal_writes(false);
  auto later = testing::http_call(s.port(), "POST", "/mobiles", body);
  CHECK(later.status == 503);
  CHECK(later.body.find("\"code\":\"storage_failed\"") != std::string::npos);
  CHECK(later.header("retry-after") == "1");
  auto ready = testing::http_call(s.port(), "GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.body.find("\"code\":\"storage_failed\"") != std::string::npos);
  CHECK(ready.body.find("\"reason\":\"the log cannot be written: restart mailboxd") != std::string::npos);
  auto metrics = testing::http_call(s.port(), "GET", "/metrics").body;
  CHECK(metrics.find("mailbox_component_up{component=\"log\"} 0") != std::string::npos);
  CHECK(metrics.find("mailbox_component_up{component=\"readmails\"} 1") != std::string::npos);
}

TEST_CASE("a view halted by an event it cannot read makes /readyz 503 view_failed, and its gauge 0") {
  testing::TestServer s;
  REQUIRE(testing::eventually([&] { return testing::http_call(s.port(), "GET", "/readyz").status == 200; }));
  // A Read whose payload is not a Read: the readmails view cannot apply it, and halts.
  eventstore::NewEvent broken;
  broken.type = "Read";
  broken.payload = "not a flatbuffer";
  REQUIRE(testing::log_of(*s.engine).append("message-broken", eventstore::ExpectedVersion::any(), {broken}).has_value());
  // The sentmails view wants a Read too and halts on it as well, maybe first, and
  // /readyz names the first stuck view it finds: wait for the readmails view's gauge.
  std::string metrics;
  REQUIRE_MESSAGE(testing::eventually([&] {
    metrics = testing::http_call(s.port(), "GET", "/metrics").body;
    return metrics.find("mailbox_component_up{component=\"readmails\"} 0") != std::string::npos;
  }),
                  "the readmails view never halted");
  CHECK(metrics.find("mailbox_component_up{component=\"log\"} 1") != std::string::npos);
  auto ready = testing::http_call(s.port(), "GET", "/readyz");
  CHECK(ready.status == 503);
  CHECK(ready.body.find("\"code\":\"view_failed\"") != std::string::npos);
}
