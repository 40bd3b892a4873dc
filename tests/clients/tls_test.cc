#include <doctest/doctest.h>
#include <openssl/err.h>

#include <algorithm>
#include <cstdlib>
#include <future>
#include <optional>

#include "clients/http_payment_gate.h"
#include "clients/webhook_alarm_sink.h"
#include "tests/support/eventually.h"
#include "tests/support/hold.h"
#include "tests/support/http_client.h"
#include "tests/support/mailboxd_process.h"
#include "tests/support/test_ca.h"
#include "tests/support/tls_stand_in.h"

using namespace mailbox;
using namespace std::chrono_literals;
using Outcome = commands::PaymentDecision::Outcome;

namespace {

// One CA and its certificates for the whole file: making them costs a few openssl runs.
struct Pki {
  testing::TestCa ca{OPENSSL_TOOL};
  testing::ServerCertificate loopback = ca.issue("loopback", {"DNS:localhost", "IP:127.0.0.1"});
  testing::ServerCertificate other = ca.issue("other", {"DNS:other.example"});
};

Pki& pki() {
  static Pki p;
  return p;
}

server::HttpResponse approve(const server::HttpRequest&) {
  server::HttpResponse r;
  r.body = R"({"reference":"pay-42"})";
  return r;
}

clients::PaymentGateOptions gate_options(std::string ca_file) {
  clients::PaymentGateOptions o;
  o.timeout = 2s;
  o.threads = 1;  // one client, so that its connection is the one reused
  o.tls.ca_file = std::move(ca_file);
  return o;
}

clients::WebhookOptions webhook_options(std::string ca_file) {
  clients::WebhookOptions o;
  o.timeout = 2s;
  o.window = 1;
  o.transient_tries = 1;
  o.tls.ca_file = std::move(ca_file);
  return o;
}

commands::PaymentDecision authorize(clients::HttpPaymentGate& gate, const std::string& key) {
  // Shared with the callback: should the wait below fail, the call may still answer later.
  auto decided = std::make_shared<std::promise<commands::PaymentDecision>>();
  auto decision = decided->get_future();
  gate.authorize({key, "01012345678", "01099998888", 1},
                 [decided](commands::PaymentDecision d) { decided->set_value(std::move(d)); });
  REQUIRE(decision.wait_for(10s) == std::future_status::ready);
  return decision.get();
}

// Sets an environment variable for a scope, then puts back what was there. Only while
// no other thread of the test reads the environment.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* was = std::getenv(name)) was_ = was;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (was_)
      ::setenv(name_, was_->c_str(), 1);
    else
      ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> was_;
};

commands::Alarm alarm(const std::string& id) {
  commands::Alarm a;
  a.alarm_id = id;
  a.phone = "01099998888";
  a.message_id = "m-1";
  a.text_preview = "hello";
  return a;
}

}  // namespace

TEST_CASE("Url::parse takes https with port 443 by default and keeps http as it was") {
  struct Case {
    const char* text;
    bool ok;
    bool tls;
    std::uint16_t port;
    const char* host;
    const char* target;
  } cases[] = {
      {"https://pay.example/charge", true, true, 443, "pay.example", "/charge"},
      {"https://127.0.0.1:8443", true, true, 8443, "127.0.0.1", "/"},
      {"http://pay.example/charge", true, false, 80, "pay.example", "/charge"},
      {"http://localhost:9000/a?b=c", true, false, 9000, "localhost", "/a?b=c"},
      {"https://", false, false, 0, "", ""},
      {"https://host:0/", false, false, 0, "", ""},
      {"ftp://host/", false, false, 0, "", ""},
      {"HTTPS://host/", false, false, 0, "", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto url = clients::Url::parse(c.text);
    REQUIRE(url.has_value() == c.ok);
    if (!c.ok) continue;
    CHECK(url->tls == c.tls);
    CHECK(url->port == c.port);
    CHECK(url->host == c.host);
    CHECK(url->target == c.target);
  }
  CHECK(clients::Url::parse("https://pay.example/charge")->str() == "https://pay.example:443/charge");
}

TEST_CASE("over https with the private CA the payment gate reaches the service with its JSON body and Idempotency-Key") {
  testing::TlsStandIn service(pki().loopback, approve);
  for (const std::string host : {"127.0.0.1", "localhost"}) {
    CAPTURE(host);
    clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay", host)), gate_options(pki().ca.ca_file()));
    const auto d = authorize(gate, "key-" + host);
    CHECK(d.outcome == Outcome::approved);
    CHECK(d.reference == "pay-42");
  }
  const auto calls = service.requests();
  REQUIRE(calls.size() == 2);
  for (const auto& [call, key] : {std::pair{calls[0], "key-127.0.0.1"}, std::pair{calls[1], "key-localhost"}}) {
    CHECK(call.method == "POST");
    CHECK(call.path == "/pay");
    CHECK(call.header("idempotency-key") == key);
    CHECK(call.header("content-type") == "application/json");
    CHECK(call.body == std::string(R"({"idempotencyKey":")") + key +
                           R"(","sender":"01012345678","receiver":"01099998888","units":1})");
  }
  // SNI names a host name; an IP address is not sent in it.
  CHECK(service.server_names() == std::vector<std::string>{"", "localhost"});
}

TEST_CASE("over https with the private CA the alarm webhook delivers, keyed by the alarm id") {
  testing::TlsStandIn webhook(pki().loopback, [](const server::HttpRequest&) { return server::HttpResponse{}; });
  clients::WebhookAlarmSink sink(*clients::Url::parse(webhook.url("/alarms", "localhost")),
                                 webhook_options(pki().ca.ca_file()));
  CHECK(sink.deliver(alarm("alarm-1")).outcome == commands::Delivery::Outcome::delivered);
  const auto calls = webhook.requests();
  REQUIRE(calls.size() == 1);
  CHECK(calls[0].path == "/alarms");
  CHECK(calls[0].header("idempotency-key") == "alarm-1");
  CHECK(calls[0].body.find(R"("alarmId":"alarm-1")") != std::string::npos);
  CHECK(calls[0].body.find(R"("textPreview":"hello")") != std::string::npos);
}

TEST_CASE("without the private CA an https call fails unavailable with a certificate error and sends nothing") {
  testing::TlsStandIn service(pki().loopback, approve);
  clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay")), gate_options(""));  // system store only
  const auto d = authorize(gate, "k-1");
  CHECK(d.outcome == Outcome::unavailable);
  CHECK_MESSAGE(d.detail.find("certificate verify failed") != std::string::npos, d.detail);
  CHECK(gate.failures() == 1);

  clients::WebhookAlarmSink sink(*clients::Url::parse(service.url("/alarms")), webhook_options(""));
  const auto delivery = sink.deliver(alarm("alarm-1"));
  CHECK(delivery.outcome == commands::Delivery::Outcome::retry);
  CHECK_MESSAGE(delivery.detail.find("certificate verify failed") != std::string::npos, delivery.detail);

  CHECK(service.connections() == 2);  // they did connect,
  CHECK(service.handshakes() == 0);   // but no handshake completed,
  CHECK(service.count() == 0);        // and no request came
}

TEST_CASE("the system's CA store is trusted by default, and a CA file adds to it rather than replacing it") {
  // OpenSSL reads its default store from SSL_CERT_FILE when set: a CA put there stands
  // for one the system trusts.
  testing::TestCa system_ca{OPENSSL_TOOL};
  const auto public_certificate = system_ca.issue("public", {"DNS:localhost", "IP:127.0.0.1"});
  ScopedEnv store("SSL_CERT_FILE", system_ca.ca_file());
  testing::TlsStandIn public_service(public_certificate, approve);
  testing::TlsStandIn private_service(pki().loopback, approve);
  for (const auto& ca_file : {std::string(), pki().ca.ca_file()}) {
    CAPTURE(ca_file);
    clients::HttpPaymentGate gate(*clients::Url::parse(public_service.url("/pay", "localhost")), gate_options(ca_file));
    const auto d = authorize(gate, "k-" + ca_file);
    CHECK_MESSAGE(d.outcome == Outcome::approved, d.detail);
  }
  clients::HttpPaymentGate private_gate(*clients::Url::parse(private_service.url("/pay")),
                                        gate_options(pki().ca.ca_file()));
  CHECK(authorize(private_gate, "k-private").outcome == Outcome::approved);
  CHECK(public_service.count() == 2);
  CHECK(private_service.count() == 1);
}

TEST_CASE("a certificate for another host name fails with a host name mismatch and sends nothing") {
  testing::TlsStandIn service(pki().other, approve);  // signed by the trusted CA, for other.example
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    CAPTURE(host);
    clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay", host)), gate_options(pki().ca.ca_file()));
    const auto d = authorize(gate, "k-1");
    CHECK(d.outcome == Outcome::unavailable);
    CHECK_MESSAGE(d.detail.find("host name mismatch") != std::string::npos, d.detail);
    CHECK(d.detail.find(host) != std::string::npos);
  }
  CHECK(service.handshakes() == 0);
  CHECK(service.count() == 0);
}

TEST_CASE("a kept-alive https connection is reused by the next call, and a closed or dropped one is replaced") {
  std::atomic<bool> close_after{false};
  testing::TlsStandIn service(pki().loopback, [&](const server::HttpRequest& req) {
    auto r = approve(req);
    r.close = close_after.load();
    return r;
  });
  clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay", "localhost")), gate_options(pki().ca.ca_file()));
  CHECK(authorize(gate, "k-1").outcome == Outcome::approved);
  CHECK(authorize(gate, "k-2").outcome == Outcome::approved);
  CHECK(service.count() == 2);
  CHECK(service.connections() == 1);
  CHECK(service.handshakes() == 1);

  close_after = true;  // the service closes after its answer: the next call needs a new handshake
  CHECK(authorize(gate, "k-3").outcome == Outcome::approved);
  close_after = false;
  CHECK(authorize(gate, "k-4").outcome == Outcome::approved);
  CHECK(service.count() == 4);
  CHECK(service.handshakes() == 2);

  // The service drops the kept-alive connection unannounced: the next call fails on it,
  // and goes through on a new one.
  service.drop_connections();
  CHECK(authorize(gate, "k-5").outcome == Outcome::approved);
  CHECK(service.count() == 5);
  CHECK(service.handshakes() == 3);
}

TEST_CASE("a TLS handshake the server never answers fails unavailable within the call's timeout") {
  testing::Hold stalled(20s);
  testing::TlsStandIn service(pki().loopback, approve, [&] { stalled.hold(); });
  auto options = gate_options(pki().ca.ca_file());
  options.timeout = 300ms;
  clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay")), options);
  const auto started = std::chrono::steady_clock::now();
  const auto d = authorize(gate, "k-1");
  const auto took = std::chrono::steady_clock::now() - started;
  stalled.release();
  CHECK(d.outcome == Outcome::unavailable);
  CHECK_MESSAGE(d.detail.find("TLS handshake timed out") != std::string::npos, d.detail);
  // The timeout counts from the ask (rounded down to whole milliseconds for the call):
  // it waited about that long, not less, and not the 20 s of the stall.
  CHECK(took >= 290ms);
  CHECK(took < 5s);
  CHECK(service.count() == 0);
}

TEST_CASE("a CA file that cannot be read or holds no certificate is refused, and https calls with it fail with the reason") {
  const std::string missing = pki().ca.write("placeholder", "") + ".missing";
  const std::string not_pem = pki().ca.write("not-a-ca.pem", "not a certificate\n");
  const std::string broken = pki().ca.write("broken-ca.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  for (const auto& file : {missing, not_pem, broken}) {
    CAPTURE(file);
    const auto loaded = clients::TlsContext::load({file});
    REQUIRE(!loaded);
    CHECK(loaded.error().code == eventstore::Code::invalid_argument);
    CHECK_MESSAGE(loaded.error().message.find("cannot load CA file " + file) != std::string::npos, loaded.error().message);
    CHECK(ERR_peek_error() == 0);  // nothing left queued for this thread's next OpenSSL call
  }
  CHECK(clients::TlsContext::load({missing}).error().message.find("No such file or directory") != std::string::npos);
  CHECK(clients::TlsContext::load({pki().ca.ca_file()}).has_value());
  CHECK(clients::TlsContext::load({}).has_value());  // the system store alone

  testing::TlsStandIn service(pki().loopback, approve);
  clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay")), gate_options(not_pem));
  const auto d = authorize(gate, "k-1");
  CHECK(d.outcome == Outcome::unavailable);
  CHECK_MESSAGE(d.detail.find("cannot load CA file") != std::string::npos, d.detail);
  CHECK(service.connections() == 0);
}

TEST_CASE("mailboxd calls https:// payment and webhook URLs trusted by --ca-file, and without it answers 503 payment unavailable") {
  testing::TlsStandIn service(pki().loopback, approve);  // the payment service and the webhook
  auto calls_to = [&](const std::string& path) {
    const auto calls = service.requests();
    return std::count_if(calls.begin(), calls.end(), [&](const auto& call) { return call.path == path; });
  };
  const std::string send = R"({"user":"01012345678","receiver":"01099998888","text":"hi"})";
  {
    testing::TempDir data;
    auto mailboxd = testing::start_mailboxd(
        MAILBOXD_PATH, {"--data", data.str(), "--payment-url", service.url("/pay"), "--alarm-webhook",
                        service.url("/alarms", "localhost"), "--ca-file", pki().ca.ca_file()});
    CHECK(testing::http_call(mailboxd.port, "POST", "/mobiles", send).status == 201);
    CHECK(calls_to("/pay") == 1);
    CHECK_MESSAGE(testing::eventually([&] { return calls_to("/alarms") >= 1; }), "no alarm reached the webhook");
  }
  const auto calls = service.count();
  testing::TempDir data;
  auto mailboxd = testing::start_mailboxd(MAILBOXD_PATH, {"--data", data.str(), "--payment-url", service.url("/pay")});
  const auto refused = testing::http_call(mailboxd.port, "POST", "/mobiles", send);
  CHECK(refused.status == 503);
  CHECK_MESSAGE(refused.body.find("payment service unavailable") != std::string::npos, refused.body);
  CHECK_MESSAGE(refused.body.find("certificate verify failed") != std::string::npos, refused.body);
  CHECK(service.count() == calls);  // the untrusted call sent nothing
}
