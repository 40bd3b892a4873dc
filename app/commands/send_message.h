#pragma once
// The send command: validates a message and appends Sent to the message's own stream.

#include <functional>
#include <optional>
#include <string>

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
};

struct SendResult {
  app::Sent sent;               // as stored (the original one for a retry)
  std::uint64_t position = 0;   // of the Sent event
  bool duplicate = false;       // a retry of an earlier send with the same key
};

class SendHandler {
 public:
  using Done = std::function<void(eventstore::Result<SendResult>)>;
  // REQUIRES: log and gate outlive the handler.
  SendHandler(eventstore::EventStore& log, PaymentGate& gate) : log_(log), gate_(gate) {}

  // Validates, asks the payment gate, then appends without blocking; done runs once the
  // Sent event is durable (on the log's writer thread), or earlier on another thread
  // for a refusal. Errors: invalid_argument naming the field (sender, receiver, text, or
  // idempotency_key when a key is reused with a different message), resource_exhausted
  // (payment declined), unavailable (payment service or log unavailable).
  void send(SendMessage command, Done done);
  eventstore::Result<SendResult> send_and_wait(SendMessage command);

 private:
  void append(std::optional<eventstore::EventId> event_id, app::Sent sent, Done done);
  eventstore::EventStore& log_;
  PaymentGate& gate_;
};

}  // namespace mailbox::commands
