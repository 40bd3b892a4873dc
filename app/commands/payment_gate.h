#pragma once
// The payment gate: before a message is sent, payment must be approved. This is the
// interface and the rule; the HTTP client that implements it lives in clients/, wired up
// by mailboxd, so that app/ knows nothing of HTTP.
//
// The rule: approved -> the send goes on and the payment reference is kept in Sent;
// declined -> the send is refused (resource_exhausted, HTTP 402); anything else (the
// service failing, slow, unreachable, or its breaker open) -> refused as unavailable
// (HTTP 503). It fails closed: no approval, no Sent event.

#include <functional>
#include <string>
#include <string_view>

namespace mailbox::commands {

struct PaymentRequest {
  std::string idempotency_key;  // the same for every retry of one send: never charged twice
  std::string sender, receiver;
  int units = 1;
};

struct PaymentDecision {
  enum class Outcome { approved, declined, unavailable };
  Outcome outcome = Outcome::unavailable;
  std::string reference;  // the service's payment reference, when approved
  std::string detail;     // why, when not approved
};

class PaymentGate {
 public:
  virtual ~PaymentGate() = default;
  // Decides without blocking the caller; done runs once, on any thread, and must not
  // block.
  virtual void authorize(PaymentRequest request, std::function<void(PaymentDecision)> done) = 0;
  // Whether an approval charges someone (a send that then fails leaves a payment to
  // void). False only where nothing is charged.
  virtual bool charges() const { return true; }
};

// No payment service configured: every send is approved.
class ApproveAll final : public PaymentGate {
 public:
  void authorize(PaymentRequest, std::function<void(PaymentDecision)> done) override {
    done(PaymentDecision{PaymentDecision::Outcome::approved, "", ""});
  }
  bool charges() const override { return false; }
};

}  // namespace mailbox::commands
