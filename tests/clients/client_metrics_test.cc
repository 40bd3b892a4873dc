#include <doctest/doctest.h>

#include <future>
#include <map>
#include <sstream>

#include "clients/client_metrics.h"

using namespace mailbox;
using namespace std::chrono_literals;

namespace {

// Nothing listens on port 1: every call is refused at once.
const char* kNowhere = "http://127.0.0.1:1/";

// The lines of a /metrics text; fails the test when a sample is not right under its own
// family's # TYPE line, or a family is declared twice.
std::map<std::string, std::string> samples_of(const std::string& text, std::map<std::string, int>& declared) {
  std::map<std::string, std::string> samples;  // name{labels} -> value
  std::istringstream in(text);
  std::string line, family;
  while (std::getline(in, line)) {
    if (line.starts_with("# TYPE ")) {
      family = line.substr(7, line.find(' ', 7) - 7);
      ++declared[family];
    } else if (!line.starts_with("#")) {
      const auto space = line.rfind(' ');
      const auto name = line.substr(0, line.find('{'));
      CHECK_MESSAGE(name == family, line << ": not under its family's # TYPE line");
      samples[line.substr(0, space)] = line.substr(space + 1);
    }
  }
  return samples;
}

}  // namespace

TEST_CASE("client metrics for the payment gate and the alarm webhook: each family declared once, a line per client") {
  clients::HttpPaymentGate gate(*clients::Url::parse(kNowhere));
  std::promise<commands::PaymentDecision> decided;
  gate.authorize({"k-1", "01012345678", "01099998888", 1}, [&](auto d) { decided.set_value(std::move(d)); });
  REQUIRE(decided.get_future().wait_for(5s) == std::future_status::ready);
  clients::WebhookOptions quick;
  quick.first_backoff = 1ms;
  clients::WebhookAlarmSink webhook(*clients::Url::parse(kNowhere), quick);
  REQUIRE(webhook.deliver({"alarm-1", "01012345678", app::AlarmKind::sent, "m-1", "hi"}).outcome ==
          commands::Delivery::Outcome::retry);

  const clients::ClientStats both[] = {clients::stats_of(gate), clients::stats_of(webhook)};
  std::string text;
  clients::append_client_metrics(text, both);
  std::map<std::string, int> declared;
  const auto samples = samples_of(text, declared);
  CHECK(samples == std::map<std::string, std::string>{
                       {R"(mailbox_client_calls_total{client="payment"})", "1"},
                       {R"(mailbox_client_calls_total{client="alarm-webhook"})", "2"},  // transient_tries
                       {R"(mailbox_client_failures_total{client="payment"})", "1"},
                       {R"(mailbox_client_failures_total{client="alarm-webhook"})", "2"},
                       {R"(mailbox_client_breaker_open{client="payment"})", "0"},  // below its threshold
                       {R"(mailbox_client_breaker_open{client="alarm-webhook"})", "0"},
                       {R"(mailbox_client_breaker_opened_total{client="payment"})", "0"},
                       {R"(mailbox_client_breaker_opened_total{client="alarm-webhook"})", "0"},
                       {R"(mailbox_client_retries_total{client="alarm-webhook"})", "1"},
                   });
  for (const auto& [family, times] : declared) {
    CAPTURE(family);
    CHECK(times == 1);
    CHECK(text.find("# HELP " + family + " ") != std::string::npos);
  }
  CHECK(declared.size() == 5);

  // The payment gate alone: no retries family at all.
  std::string payment_only;
  const clients::ClientStats one[] = {clients::stats_of(gate)};
  clients::append_client_metrics(payment_only, one);
  CHECK(payment_only.find("mailbox_client_retries_total") == std::string::npos);
  CHECK(payment_only.find(R"(mailbox_client_calls_total{client="payment"} 1)") != std::string::npos);
}
