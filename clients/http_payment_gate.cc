#include "clients/http_payment_gate.h"

#include <simdjson.h>
#include <spdlog/spdlog.h>

#include "app/json_writer.h"

namespace mailbox::clients {

using Outcome = commands::PaymentDecision::Outcome;

namespace {

// The "reference" string at the top of the JSON object the service answered; empty when
// there is none: no body, not one JSON object, or no string under that key. The answer
// approves either way, so nothing here refuses it; a debug line says why it is empty.
std::string reference_of(const std::string& body) {
  if (body.empty()) return {};
  thread_local simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(body);
  auto unread = [&](std::string_view why) {
    spdlog::debug("payment: approved without a reference ({})", why);
    return std::string();
  };
  simdjson::ondemand::document doc;
  simdjson::ondemand::object object;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS || doc.get_object().get(object) != simdjson::SUCCESS)
    return unread("the answer is not a JSON object");
  std::string reference;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return unread("the answer is not valid JSON");
    if (key != "reference") continue;
    std::string_view text;
    if (field.value().get_string().get(text) != simdjson::SUCCESS) return unread("\"reference\" is not a string");
    reference = text;
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return unread("the answer is not valid JSON");
  if (reference.empty()) return unread("no \"reference\" in the answer");
  return reference;
}

}  // namespace

HttpPaymentGate::HttpPaymentGate(Url url, PaymentGateOptions options)
    : options_(options), breaker_(options.breaker), pool_(std::move(url), options.tls, options.threads) {}

void HttpPaymentGate::authorize(commands::PaymentRequest request, std::function<void(commands::PaymentDecision)> done) {
  if (!breaker_.allow()) return done({Outcome::unavailable, "", "payment service circuit is open"});
  // The timeout covers the whole call: the wait for a thread, resolving, connecting, the
  // answer.
  const auto deadline = std::chrono::steady_clock::now() + options_.timeout;
  auto shared_done = std::make_shared<std::function<void(commands::PaymentDecision)>>(std::move(done));
  const bool queued = pool_.try_post(
      [this, request = std::move(request), shared_done, deadline](HttpClient* client) {
        auto& done = *shared_done;
        if (!client) {
          breaker_.record_not_made();
          return done({Outcome::unavailable, "", "the server is shutting down"});
        }
        if (std::chrono::steady_clock::now() >= deadline) {
          breaker_.record_not_made();
          return done({Outcome::unavailable, "", "no payment call could start within " +
                                                     std::to_string(options_.timeout.count()) + " ms"});
        }
        // The breaker may have opened while this call waited.
        if (breaker_.state() == CircuitBreaker::State::open) {
          breaker_.record_not_made();
          return done({Outcome::unavailable, "", "payment service circuit is open"});
        }
        done(call(*client, request, deadline));
      },
      options_.max_waiting);
  if (!queued) {
    breaker_.record_not_made();
    (*shared_done)({Outcome::unavailable, "", "too many payment calls waiting (" + std::to_string(options_.max_waiting) +
                                                  "); try again"});
  }
}

commands::PaymentDecision HttpPaymentGate::call(HttpClient& client, const commands::PaymentRequest& request,
                                                std::chrono::steady_clock::time_point deadline) {
  app::JsonWriter w;
  w.begin_object().field("idempotencyKey", request.idempotency_key).field("sender", request.sender);
  w.field("receiver", request.receiver).field("units", static_cast<std::int64_t>(request.units)).end_object();
  calls_.fetch_add(1);
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  auto r = client.post_json(w.str(), {{"Idempotency-Key", request.idempotency_key}},
                            std::max(left, std::chrono::milliseconds(1)));
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
