#pragma once
// The payment gate over HTTP. Contract with the payment service:
//   POST {url}  {"idempotencyKey", "sender", "receiver", "units"}
//   2xx -> approved; when the body is a JSON object whose "reference" is a string, it is
//          kept in Sent (any other body approves without a reference)
//   402 -> declined
//   anything else, a refused connection or no answer within the timeout -> unavailable
// Calls run on the gate's own threads, never the caller's; a circuit breaker refuses
// at once, without a call, while the service keeps failing.

#include <atomic>
#include <chrono>

#include "app/commands/payment_gate.h"
#include "clients/circuit_breaker.h"
#include "clients/client_pool.h"
#include "clients/http_client.h"

namespace mailbox::clients {

struct PaymentGateOptions {
  std::chrono::milliseconds timeout{500};
  int threads = 4;  // payment calls in flight at once
  // Calls waiting for a thread, at most: past it a send is refused at once (503).
  std::size_t max_waiting = 1024;
  BreakerOptions breaker;
  TlsOptions tls;  // for an https:// URL
};

class HttpPaymentGate final : public commands::PaymentGate {
 public:
  HttpPaymentGate(Url url, PaymentGateOptions options = {});
  // Calls not yet made are answered unavailable; waits for the calls in progress (each
  // within options.timeout).
  ~HttpPaymentGate() override = default;

  void authorize(commands::PaymentRequest request, std::function<void(commands::PaymentDecision)> done) override;
  // Bounds shutdown. From any thread; not undone. Calls queued for the gate's threads
  // are answered unavailable at once (done runs on the calling thread), and so is every
  // later authorize(); a call in progress ends within options.timeout.
  void cancel() { pool_.cancel(); }

  const CircuitBreaker& breaker() const { return breaker_; }
  std::uint64_t calls() const { return calls_.load(); }
  std::uint64_t failures() const { return failures_.load(); }

 private:
  // One call, within what is left until deadline.
  commands::PaymentDecision call(HttpClient& client, const commands::PaymentRequest& request,
                                 std::chrono::steady_clock::time_point deadline);

  const PaymentGateOptions options_;
  CircuitBreaker breaker_;
  std::atomic<std::uint64_t> calls_{0}, failures_{0};
  ClientPool pool_;  // last: its threads stop before the rest goes
};

}  // namespace mailbox::clients
