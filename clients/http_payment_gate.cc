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
    : url_(std::move(url)), options_(options), breaker_(options.breaker) {
  for (int i = 0; i < std::max(1, options_.threads); ++i) threads_.emplace_back([this] { work(); });
}

HttpPaymentGate::~HttpPaymentGate() {
  std::deque<Job> left;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    left.swap(jobs_);
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
  for (auto& job : left) job.done({Outcome::unavailable, "", "the server is shutting down"});
}

void HttpPaymentGate::authorize(commands::PaymentRequest request, std::function<void(commands::PaymentDecision)> done) {
  if (!breaker_.allow()) return done({Outcome::unavailable, "", "payment service circuit is open"});
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      jobs_.push_back({std::move(request), std::move(done)});
      wake_.notify_one();
      return;
    }
  }
  breaker_.record_success();  // not a failure of the service: release a probe slot
  done({Outcome::unavailable, "", "the server is shutting down"});
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

void HttpPaymentGate::work() {
  HttpClient client(url_);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    job.done(call(client, job.request));
  }
}

}  // namespace mailbox::clients
