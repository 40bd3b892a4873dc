#pragma once
// The send command: validates a message, asks the payment gate, and appends Sent to
// the message's own stream.
//
// With an idempotency key, the sender's key names one event and one message, always:
// a retry of a send that was stored answers the original without asking the payment
// service again, and two racing retries store one message (the loser answers the
// winner's). The payment service sees the same payment key on every retry, so that it
// can charge once.

#include <atomic>
#include <functional>
#include <optional>
#include <string>

#include "app/actor.h"
#include "app/commands/confirmation.h"
#include "app/commands/payment_gate.h"
#include "app/events.h"
#include "core/eventstore/event_store.h"

namespace mailbox::commands {

struct SendMessage {
  std::string sender;    // phone number
  std::string receiver;  // phone number
  std::string text;
  // Makes retries safe: the same sender and key give the same message, stored once.
  std::optional<std::string> idempotency_key;
  app::Actor actor;  // who asks: recorded with the Sent event
};

struct SendResult {
  app::Sent sent;               // as stored (the original one for a retry)
  std::uint64_t position = 0;   // of the Sent event
  bool duplicate = false;       // a retry of an earlier send with the same key
};

class SendHandler {
 public:
  using Done = std::function<void(app::Result<SendResult>)>;
  // Runs a continuation off the log's writer thread.
  using Post = std::function<void(std::function<void()>)>;
  // REQUIRES: log and gate outlive the handler; post runs what it is given soon, on a
  // thread that may read the log. confirmation: when a stored send is answered.
  SendHandler(eventstore::EventStore& log, PaymentGate& gate, Post post, Confirmation confirmation = {})
      : log_(log), gate_(gate), post_(std::move(post)), confirmation_(std::move(confirmation)) {}

  // Validates, looks the key up (on this thread: a point read of the log), asks the
  // payment gate, then appends without blocking. done runs once: on the log's writer
  // thread once the Sent event is durable, on this thread or the payment gate's for a
  // refusal, or on the post thread after a race. Errors: invalid_argument naming the
  // field (sender, receiver, text, idempotency_key; reasons invalid_phone,
  // invalid_text, invalid_idempotency_key, idempotency_key_reused), resource_exhausted
  // (payment_declined), unavailable (payment_unavailable, or the log's).
  void send(SendMessage command, Done done);
  app::Result<SendResult> send_and_wait(SendMessage command);

  // Payments approved for sends whose append then failed (each is logged at error
  // level with its reference and key, to be voided by hand).
  std::uint64_t payments_orphaned() const { return orphaned_.load(std::memory_order_relaxed); }

 private:
  // The answer for a key that is already stored: the original, or a refusal when the
  // key came with another message.
  static app::Result<SendResult> answer_retry(const eventstore::RecordedEvent& stored, const app::Sent& asked);
  void append(std::optional<eventstore::EventId> event_id, app::Sent sent, app::Actor actor, bool charged,
              std::string payment_key, Done done);

  eventstore::EventStore& log_;
  PaymentGate& gate_;
  Post post_;
  const Confirmation confirmation_;
  std::atomic<std::uint64_t> orphaned_{0};
};

}  // namespace mailbox::commands
