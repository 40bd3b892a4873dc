#include "app/commands/send_message.h"

#include <future>

#include "app/commands/validation.h"

namespace mailbox::commands {

using eventstore::Code;

namespace {

constexpr std::size_t kMaxKeyBytes = 255;

std::string key_purpose(const SendMessage& c) {
  std::string p = "send";
  p.push_back('\0');
  p += c.sender;
  p.push_back('\0');
  p += *c.idempotency_key;
  return p;
}

}  // namespace

void SendHandler::send(SendMessage command, Done done) {
  if (auto s = validate_phone("sender", command.sender); !s) return done(std::unexpected(s.error()));
  if (auto s = validate_phone("receiver", command.receiver); !s) return done(std::unexpected(s.error()));
  if (auto s = validate_text("text", command.text); !s) return done(std::unexpected(s.error()));
  if (command.idempotency_key &&
      (command.idempotency_key->empty() || command.idempotency_key->size() > kMaxKeyBytes))
    return done(eventstore::fail_field("idempotency_key", "idempotency_key: must be 1 to 255 bytes"));

  app::Sent sent{"", command.sender, command.receiver, command.text, app::now_us(), ""};
  std::optional<eventstore::EventId> event_id;
  if (command.idempotency_key) {
    // The same sender and key always name the same event and message.
    event_id = eventstore::derive_event_id(eventstore::EventId{}, key_purpose(command));
    sent.message_id = eventstore::to_string(eventstore::derive_event_id(*event_id, "message"));
  } else {
    sent.message_id = eventstore::to_string(eventstore::new_time_ordered_id());
  }
  // The payment service sees the same key on every retry of this send.
  PaymentRequest payment{event_id ? eventstore::to_string(*event_id) : sent.message_id, command.sender,
                         command.receiver, 1};
  gate_.authorize(std::move(payment), [this, event_id, sent = std::move(sent),
                                       done = std::move(done)](PaymentDecision decision) mutable {
    using Outcome = PaymentDecision::Outcome;
    if (decision.outcome == Outcome::declined)
      return done(std::unexpected(eventstore::Error{Code::resource_exhausted,
                                                    "payment declined" + (decision.detail.empty() ? std::string()
                                                                                                 : ": " + decision.detail),
                                                    std::nullopt, "payment"}));
    if (decision.outcome != Outcome::approved)
      return done(eventstore::fail(Code::unavailable, "payment service unavailable: " + decision.detail));
    sent.payment_ref = std::move(decision.reference);
    append(event_id, std::move(sent), std::move(done));
  });
}

void SendHandler::append(std::optional<eventstore::EventId> event_id, app::Sent sent, Done done) {
  eventstore::NewEvent event = app::to_new_event(sent);
  event.id = event_id;

  eventstore::StreamAppend request{app::message_stream(sent.message_id), eventstore::ExpectedVersion::no_stream(),
                                   {std::move(event)}};
  log_.append_async(std::move(request), [this, sent = std::move(sent), done = std::move(done)](
                                            eventstore::Result<eventstore::AppendResult> r) mutable {
    if (!r) return done(std::unexpected(r.error()));
    if (!r->duplicate) return done(SendResult{std::move(sent), r->first_position, false});
    // A retry: answer with the original, unless the key came with another message.
    auto stored = log_.read_event(r->first_position);
    if (!stored) return done(std::unexpected(stored.error()));
    auto original = app::decode(*stored);
    if (!original) return done(std::unexpected(original.error()));
    const auto* first = std::get_if<app::Sent>(&*original);
    if (!first) return done(eventstore::fail(Code::internal, "idempotency key names an event that is not Sent"));
    if (first->sender != sent.sender || first->receiver != sent.receiver || first->text != sent.text)
      return done(eventstore::fail_field("idempotency_key",
                                         "idempotency_key: was used before with a different message"));
    done(SendResult{*first, r->first_position, true});
  });
}

eventstore::Result<SendResult> SendHandler::send_and_wait(SendMessage command) {
  std::promise<eventstore::Result<SendResult>> promise;
  auto future = promise.get_future();
  send(std::move(command), [&promise](eventstore::Result<SendResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace mailbox::commands
