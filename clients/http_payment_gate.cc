#include "clients/http_payment_gate.h"

#include "app/json_writer.h"

namespace mailbox::clients {

using Outcome = commands::PaymentDecision::Outcome;

namespace {

// The "reference" string of a JSON answer, if there is one (a small scan: the answer is
// the payment service's, and only this one field matters).
std::string reference_of(const std::string& body) {
  const auto key = body.find("\"reference\"");
  if (key == std::string::npos) return {};
  const auto open = body.find('"', body.find(':', key) + 1);
  if (open == std::string::npos) return {};
  const auto close = body.find('"', open + 1);
  if (close == std::string::npos) return {};
  return body.substr(open + 1, close - open - 1);
}

}  // namespace

HttpPaymentGate::HttpPaymentGate(Url url, PaymentGateOptions options)
    : options_(options), breaker_(options.breaker), pool_(std::move(url), options.threads) {}

void HttpPaymentGate::authorize(commands::PaymentRequest request, std::function<void(commands::PaymentDecision)> done) {
  if (!breaker_.allow()) return done({Outcome::unavailable, "", "payment service circuit is open"});
  pool_.post([this, request = std::move(request), done = std::move(done)](HttpClient* client) {
    if (!client) {
      breaker_.record_success();  // not the service's failure: give the probe slot back
      return done({Outcome::unavailable, "", "the server is shutting down"});
    }
    done(call(*client, request));
  });
}

commands::PaymentDecision HttpPaymentGate::call(HttpClient& client, const commands::PaymentRequest& request) {
  app::JsonWriter w;
  w.begin_object().field("idempotencyKey", request.idempotency_key).field("sender", request.sender);
  w.field("receiver", request.receiver).field("units", static_cast<std::int64_t>(request.units)).end_object();
  calls_.fetch_add(1);
  auto r = client.post_json(w.str(), {{"Idempotency-Key", request.idempotency_key}}, options_.timeout);
  if (r && r->status >= 200 && r->status < 300) {
    breaker_.record_success();
    return {Outcome::approved, reference_of(r->body), ""};
  }
  if (r && r->status == 402) {
    breaker_.record_success();  // the service works: it said no
    return {Outcome::declined, "", "the payment service declined it"};
  }
  failures_.fetch_add(1);
  breaker_.record_failure();
  return {Outcome::unavailable, "", r ? "the payment service answered " + std::to_string(r->status) : r.error().message};
}

}  // namespace mailbox::clients
