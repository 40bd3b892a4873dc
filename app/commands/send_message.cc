#include "app/commands/send_message.h"

#include <spdlog/spdlog.h>

#include <future>

#include "app/commands/validation.h"

namespace mailbox::commands {

using app::Code;

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

app::Result<SendResult> SendHandler::answer_retry(const eventstore::RecordedEvent& stored, const app::Sent& asked) {
  auto original = app::decode(stored);
  if (!original) return std::unexpected(original.error());
  const auto* first = std::get_if<app::Sent>(&*original);
  if (!first) return app::fail(Code::internal, "an idempotency key names an event that is not Sent");
  if (first->sender != asked.sender || first->receiver != asked.receiver || first->text != asked.text)
    return app::fail_field("idempotency_key", "was used before with a different message", "idempotency_key_reused");
  return SendResult{*first, stored.position, true};
}

void SendHandler::send(SendMessage command, Done done) {
  done = confirmation_.after_release(std::move(done), [](const SendResult& r) { return r.position; });
  if (auto s = validate_phone("sender", command.sender); !s) return done(std::unexpected(s.error()));
  if (auto s = validate_phone("receiver", command.receiver); !s) return done(std::unexpected(s.error()));
  if (auto s = validate_text("text", command.text); !s) return done(std::unexpected(s.error()));
  if (command.idempotency_key &&
      (command.idempotency_key->empty() || command.idempotency_key->size() > kMaxKeyBytes))
    return done(app::fail_field("idempotency_key", "must be 1 to 255 bytes", "invalid_idempotency_key"));

  app::Sent sent{"", command.sender, command.receiver, command.text, app::now_us(), ""};
  std::optional<eventstore::EventId> event_id;
  if (command.idempotency_key) {
    // The same sender and key always name the same event and message.
    event_id = eventstore::derive_event_id(eventstore::EventId{}, key_purpose(command));
    sent.message_id = eventstore::to_string(eventstore::derive_event_id(*event_id, "message"));
    // A retry of a stored send is answered from the log: no second payment, even while
    // the payment service is down.
    auto stored = log_.find_event(*event_id);
    if (!stored) return done(std::unexpected(stored.error()));
    if (*stored) return done(answer_retry(**stored, sent));
  } else {
    sent.message_id = eventstore::to_string(eventstore::new_time_ordered_id());
  }
  // A full queue refuses now, before the payment service is asked (an approved payment
  // for a send the log then refuses would have to be voided by hand).
  if (!log_.has_room())
    return done(app::fail_because(Code::resource_exhausted, "overloaded", "the log's writer is full; try again"));
  // The payment service sees the same key on every retry of this send.
  std::string payment_key = event_id ? eventstore::to_string(*event_id) : sent.message_id;
  PaymentRequest payment{payment_key, command.sender, command.receiver, 1};
  gate_.authorize(std::move(payment), [this, event_id, sent = std::move(sent), actor = std::move(command.actor),
                                       payment_key, done = std::move(done)](PaymentDecision decision) mutable {
    using Outcome = PaymentDecision::Outcome;
    if (decision.outcome == Outcome::declined)
      return done(std::unexpected(app::Error{
          Code::resource_exhausted, "payment declined" + (decision.detail.empty() ? std::string() : ": " + decision.detail),
          std::nullopt, "payment", "payment_declined"}));
    if (decision.outcome != Outcome::approved)
      return done(app::fail_because(Code::unavailable, "payment_unavailable",
                                    "payment service unavailable: " + decision.detail));
    sent.payment_ref = std::move(decision.reference);
    append(event_id, std::move(sent), std::move(actor), gate_.charges(), std::move(payment_key), std::move(done));
  });
}

void SendHandler::append(std::optional<eventstore::EventId> event_id, app::Sent sent, app::Actor actor, bool charged,
                         std::string payment_key, Done done) {
  eventstore::NewEvent event = app::to_new_event(sent);
  event.id = event_id;
  actor.stamp(event);
  // Without a key the message id was drawn for this send: its stream is new.
  const auto expected = event_id ? eventstore::ExpectedVersion::no_stream() : eventstore::ExpectedVersion::fresh();
  eventstore::StreamAppend request{app::message_stream(sent.message_id), expected, {std::move(event)}};
  // On the writer thread: nothing here may block or read the log.
  log_.append_async(std::move(request), [this, event_id, charged, payment_key = std::move(payment_key),
                                         sent = std::move(sent),
                                         done = std::move(done)](app::Result<eventstore::AppendResult> r) mutable {
    if (r && !r->duplicate) return done(SendResult{std::move(sent), r->first_position, false});
    if ((r && r->duplicate) || (event_id && r.error().code == Code::already_exists)) {
      // A racing retry with the same key stored its Sent first: answer with it, read
      // off the writer thread.
      return post_([this, id = *event_id, sent = std::move(sent), done = std::move(done)] {
        auto stored = log_.find_event(id);
        if (!stored) return done(std::unexpected(stored.error()));
        if (!*stored) return done(app::fail(Code::internal, "an event id refused as taken is not in the log"));
        done(answer_retry(**stored, sent));
      });
    }
    if (charged) {
      orphaned_.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("payment {} (key {}) was approved for a send that could not be stored ({}); void it",
                    sent.payment_ref.empty() ? "without a reference" : sent.payment_ref, payment_key,
                    r.error().message);
    }
    done(std::unexpected(r.error()));
  });
}

app::Result<SendResult> SendHandler::send_and_wait(SendMessage command) {
  std::promise<app::Result<SendResult>> promise;
  auto future = promise.get_future();
  send(std::move(command), [&promise](app::Result<SendResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace mailbox::commands
