#include <doctest/doctest.h>
#include <simdjson.h>

#include <future>
#include <thread>

#include "clients/http_payment_gate.h"
#include "tests/support/eventually.h"
#include "tests/support/engine_parts.h"
#include "tests/support/hold.h"
#include "tests/support/http_client.h"
#include "tests/support/stand_in.h"
#include "tests/support/test_server.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::http_call;

namespace {

enum class Mode { approve, decline, fail, hang };

server::HttpResponse answer(Mode mode) {
  server::HttpResponse r;
  switch (mode) {
    case Mode::approve: r.body = R"({"reference":"pay-42"})"; break;
    case Mode::decline: r.status = 402; r.body = R"({"error":"insufficient credit"})"; break;
    case Mode::fail: r.status = 500; r.body = "{}"; break;
    case Mode::hang: std::this_thread::sleep_for(400ms); break;  // past the gate's timeout
  }
  return r;
}

testing::HttpReply post(std::uint16_t port, const std::string& text, std::map<std::string, std::string> headers = {}) {
  return http_call(port, "POST", "/mobiles",
                   R"({"user":"01012345678","receiver":"01099998888","text":")" + text + R"("})", headers);
}

clients::PaymentGateOptions fast_options() {
  clients::PaymentGateOptions o;
  o.timeout = 150ms;
  o.breaker.failure_threshold = 3;
  o.breaker.cool_down = 300ms;
  return o;
}

std::uint64_t sent_events(app::Engine& engine) {
  std::uint64_t n = 0;
  (void)testing::log_of(engine).scan_log(1, UINT64_MAX, [&](eventstore::RecordedEvent&& e) {
    n += e.type == "Sent";
    return true;
  });
  return n;
}

}  // namespace

TEST_CASE("payment approve, decline, timeout and refused connection answer 201, 402, 503 and 503, and only approval sends") {
  std::atomic<Mode> mode{Mode::approve};
  testing::StandIn service([&](const server::HttpRequest&) { return answer(mode); });
  clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay")), fast_options());
  testing::TestServer s({}, &gate);

  auto approved = post(s.port(), "paid", {{"Idempotency-Key", "k-1"}});
  CHECK(approved.status == 201);
  REQUIRE(service.count() == 1);
  const auto call = service.requests()[0];
  CHECK(call.path == "/pay");
  CHECK(call.body.find("\"sender\":\"01012345678\"") != std::string::npos);
  CHECK(call.body.find("\"units\":1") != std::string::npos);
  const auto first_key = std::string(*call.header("idempotency-key"));
  auto stored = testing::log_of(*s.engine).read_event(1).value();
  CHECK(std::get<app::Sent>(app::decode(stored).value()).payment_ref == "pay-42");

  // A retry of a stored send is answered from the log: the payment service is not
  // asked again.
  auto retried = post(s.port(), "paid", {{"Idempotency-Key", "k-1"}});
  CHECK(retried.status == 201);
  CHECK(retried.header("idempotent-replayed") == "true");
  CHECK(retried.body == approved.body);
  CHECK(service.count() == 1);
  CHECK(sent_events(*s.engine) == 1);

  // A retry of a send whose payment failed asks again, with the same payment key.
  mode = Mode::fail;
  CHECK(post(s.port(), "retried", {{"Idempotency-Key", "k-2"}}).status == 503);
  mode = Mode::approve;
  CHECK(post(s.port(), "retried", {{"Idempotency-Key", "k-2"}}).status == 201);
  REQUIRE(service.count() == 3);
  CHECK(*service.requests()[1].header("idempotency-key") == *service.requests()[2].header("idempotency-key"));
  CHECK(*service.requests()[1].header("idempotency-key") != first_key);
  CHECK(sent_events(*s.engine) == 2);

  mode = Mode::decline;
  auto declined = post(s.port(), "declined");
  CHECK(declined.status == 402);
  CHECK(declined.header("content-type") == "application/problem+json");
  CHECK(declined.body.find("declined") != std::string::npos);

  mode = Mode::hang;
  auto slow = post(s.port(), "slow");
  CHECK(slow.status == 503);
  CHECK(slow.header("retry-after") == "1");
  CHECK(sent_events(*s.engine) == 2);

  // Nothing listens on this port: refused.
  clients::HttpPaymentGate nowhere(*clients::Url::parse("http://127.0.0.1:1/pay"), fast_options());
  testing::TestServer refused({}, &nowhere);
  auto r = post(refused.port(), "refused");
  CHECK(r.status == 503);
  CHECK(r.body.find("payment service unavailable") != std::string::npos);
  CHECK(sent_events(*refused.engine) == 0);
}

TEST_CASE("while the payment breaker is open the service gets no call, and it closes when the service is back") {
  std::atomic<Mode> mode{Mode::fail};
  testing::StandIn service([&](const server::HttpRequest&) { return answer(mode); });
  clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay")), fast_options());
  testing::TestServer s({}, &gate);

  mode = Mode::approve;
  REQUIRE(post(s.port(), "stored before", {{"Idempotency-Key", "early"}}).status == 201);
  mode = Mode::fail;
  for (int i = 0; i < 3; ++i) CHECK(post(s.port(), "fails").status == 503);
  CHECK(gate.breaker().state() == clients::CircuitBreaker::State::open);
  // A retry of a stored send is answered while the breaker is open: it needs no payment.
  auto replay = post(s.port(), "stored before", {{"Idempotency-Key", "early"}});
  CHECK(replay.status == 201);
  CHECK(replay.header("idempotent-replayed") == "true");
  const auto calls = service.count();
  for (int i = 0; i < 5; ++i) {
    auto r = post(s.port(), "refused fast");
    CHECK(r.status == 503);
    CHECK(r.body.find("circuit is open") != std::string::npos);
  }
  CHECK(service.count() == calls);  // refused without a call

  mode = Mode::approve;
  // Past the cool-down a probe goes through.
  REQUIRE_MESSAGE(testing::eventually([&] { return post(s.port(), "back").status == 201; }, 20s, 20ms),
                  "the breaker never let a probe through");
  CHECK(gate.breaker().state() == clients::CircuitBreaker::State::closed);
  CHECK(post(s.port(), "flowing").status == 201);
  CHECK(sent_events(*s.engine) == 3);
}

TEST_CASE("payment cancel() answers queued calls unavailable at once while the call in progress finishes") {
  testing::Hold hang(3s);  // the service approves, but only after 3 s
  testing::StandIn service([&](const server::HttpRequest&) {
    hang.hold();
    return answer(Mode::approve);
  });
  std::promise<commands::PaymentDecision> first, second;
  auto first_answer = first.get_future(), second_answer = second.get_future();
  auto options = fast_options();
  options.threads = 1;    // the second call waits in the queue
  options.timeout = 10s;  // longer than the hang
  clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay")), options);
  gate.authorize({"k-1", "01012345678", "01099998888", 1}, [&](auto d) { first.set_value(std::move(d)); });
  gate.authorize({"k-2", "01012345678", "01099998888", 1}, [&](auto d) { second.set_value(std::move(d)); });
  REQUIRE_MESSAGE(hang.wait_arrived(1, 5s), "the first call did not reach the service");

  gate.cancel();
  const bool answered = second_answer.wait_for(0s) == std::future_status::ready;
  if (!answered) hang.release();
  REQUIRE_MESSAGE(answered, "the queued call was not answered when cancel() returned");
  CHECK(second_answer.get().outcome == commands::PaymentDecision::Outcome::unavailable);
  std::optional<commands::PaymentDecision> later;
  gate.authorize({"k-3", "01012345678", "01099998888", 1}, [&](auto d) { later = std::move(d); });
  REQUIRE(later.has_value());  // answered at once, on this thread
  CHECK(later->outcome == commands::PaymentDecision::Outcome::unavailable);

  hang.release();
  REQUIRE(first_answer.wait_for(5s) == std::future_status::ready);
  CHECK(first_answer.get().outcome == commands::PaymentDecision::Outcome::approved);  // it was under way
  CHECK(service.count() == 1);
}

TEST_CASE("the payment reference is read from the reply as JSON: only a string at the top of an object counts") {
  struct Case {
    std::string body, reference;
  };
  const Case cases[] = {
      {R"({"reference":"pay-42"})", "pay-42"},
      {R"({"note":"\"reference\": \"fake\"","reference":"ref-42"})", "ref-42"},  // a key inside a string
      {R"({"kind":"reference","id":"x-1","reference":"ref-43"})", "ref-43"},     // the word as a value first
      {R"({"reference":"a\"b\u00e9"})", "a\"bé"},                                // escapes are decoded
      {R"({"reference": 7})", ""},                                               // not a string
      {R"({"receipt":{"reference":"inner"}})", ""},                              // not at the top
      {R"(["reference","x"])", ""},                                              // not an object
      {"", ""},                                                                  // no body
      {"reference: x", ""},                                                      // not JSON
      {R"({"reference":"r-1"} {"reference":"r-2"})", ""},                        // more than one document
  };
  std::atomic<std::size_t> at{0};
  testing::StandIn service([&](const server::HttpRequest&) {
    server::HttpResponse r;
    r.body = cases[at].body;
    return r;
  });
  clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay")), fast_options());
  for (std::size_t i = 0; i < std::size(cases); ++i) {
    CAPTURE(cases[i].body);
    at = i;
    std::promise<commands::PaymentDecision> decided;
    auto decision = decided.get_future();
    gate.authorize({"k-" + std::to_string(i), "01012345678", "01099998888", 1},
                   [&](auto d) { decided.set_value(std::move(d)); });
    REQUIRE(decision.wait_for(5s) == std::future_status::ready);
    const auto d = decision.get();
    CHECK(d.outcome == commands::PaymentDecision::Outcome::approved);  // a 2xx approves, whatever its body
    CHECK(d.reference == cases[i].reference);
  }
}

TEST_CASE("payment calls waiting for a thread are bounded: past max_waiting a call is refused at once, unavailable") {
  testing::Hold hang(5s);
  testing::StandIn service([&](const server::HttpRequest&) {
    hang.hold();
    return answer(Mode::approve);
  });
  auto options = fast_options();
  options.threads = 1;
  options.timeout = 10s;
  options.max_waiting = 2;
  clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay")), options);
  std::vector<std::promise<commands::PaymentDecision>> answers(5);
  gate.authorize({"k-0", "01012345678", "01099998888", 1}, [&](auto d) { answers[0].set_value(std::move(d)); });
  REQUIRE_MESSAGE(hang.wait_arrived(1, 5s), "the first call did not reach the service");
  for (int i = 1; i < 5; ++i)
    gate.authorize({"k-" + std::to_string(i), "01012345678", "01099998888", 1},
                   [&, i](auto d) { answers[i].set_value(std::move(d)); });
  // Two wait; the two after them are answered at once.
  for (int i = 3; i < 5; ++i) {
    auto f = answers[i].get_future();
    REQUIRE(f.wait_for(0s) == std::future_status::ready);
    auto d = f.get();
    CHECK(d.outcome == commands::PaymentDecision::Outcome::unavailable);
    CHECK(d.detail.find("too many payment calls waiting (2)") != std::string::npos);
  }
  hang.release();
  for (int i = 0; i < 3; ++i) {
    auto f = answers[i].get_future();
    REQUIRE(f.wait_for(5s) == std::future_status::ready);
    CHECK(f.get().outcome == commands::PaymentDecision::Outcome::approved);
  }
  CHECK(service.count() == 3);
  CHECK(gate.breaker().state() == clients::CircuitBreaker::State::closed);
}

TEST_CASE("the payment timeout covers the wait for a thread: calls queued behind a hanging one share one timeout, not one each") {
  testing::Hold hang(10s);
  testing::StandIn service([&](const server::HttpRequest&) {
    hang.hold();
    return answer(Mode::approve);
  });
  auto options = fast_options();
  options.threads = 1;
  options.timeout = 300ms;
  options.breaker.failure_threshold = 100;
  clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay")), options);
  constexpr int kCalls = 10;
  std::vector<std::promise<commands::PaymentDecision>> answers(kCalls);
  for (int i = 0; i < kCalls; ++i)
    gate.authorize({"k-" + std::to_string(i), "01012345678", "01099998888", 1},
                   [&, i](auto d) { answers[i].set_value(std::move(d)); });
  // Each call waits for the service only for what is left of its own timeout, which
  // began when it was asked for: all of them together wait about one timeout, not ten.
  long long waited_ms = 0;
  for (auto& a : answers) {
    auto f = a.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    const auto d = f.get();
    CHECK(d.outcome == commands::PaymentDecision::Outcome::unavailable);
    if (auto at = d.detail.find("no answer within "); at != std::string::npos)
      waited_ms += std::stoll(d.detail.substr(at + 17));
    else
      CHECK_MESSAGE(d.detail.find("no payment call could start within 300 ms") != std::string::npos, d.detail);
  }
  hang.release();
  CHECK_MESSAGE(waited_ms <= 600, "the calls were given " << waited_ms << " ms in all");
}

TEST_CASE("a payment call queued before the breaker opened is refused when it starts, without reaching the service") {
  testing::StandIn service([&](const server::HttpRequest&) {
    std::this_thread::sleep_for(50ms);
    return answer(Mode::fail);
  });
  auto options = fast_options();
  options.threads = 1;
  options.timeout = 5s;
  options.breaker.failure_threshold = 2;
  options.breaker.cool_down = 10s;
  clients::HttpPaymentGate gate(*clients::Url::parse(service.url("/pay")), options);
  std::vector<std::promise<commands::PaymentDecision>> answers(6);
  for (int i = 0; i < 6; ++i)  // all allowed while the breaker is closed; one thread runs them in turn
    gate.authorize({"k-" + std::to_string(i), "01012345678", "01099998888", 1},
                   [&, i](auto d) { answers[i].set_value(std::move(d)); });
  int open = 0;
  for (auto& a : answers) {
    auto f = a.get_future();
    REQUIRE(f.wait_for(10s) == std::future_status::ready);
    open += f.get().detail.find("circuit is open") != std::string::npos;
  }
  CHECK(service.count() == 2);  // the two failures that opened it
  CHECK(open == 4);
}
