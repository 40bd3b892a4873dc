#include "app/commands/mark_read.h"

#include <future>

#include "app/commands/message_history.h"
#include "app/commands/validation.h"
#include "app/events.h"

namespace mailbox::commands {

using app::Code;

void MarkReadHandler::mark_read(MarkRead command, Done done) {
  done = confirmation_.after_release(std::move(done), [](const MarkReadResult& r) { return r.position; });
  if (auto s = validate_phone("receiver", command.receiver); !s) return done(std::unexpected(s.error()));
  if (!plausible_message_id(command.message_id))
    return done(app::fail(Code::not_found, "no message " + command.message_id));

  std::optional<eventstore::RecordedEvent> sent_event;
  std::optional<app::Error> refused;
  bool saved = false;
  std::optional<std::uint64_t> read_at;
  auto visited = visit_message(log_, command.message_id, [&](const eventstore::RecordedEvent& e, const app::MailboxEvent& d) {
    if (const auto* sent = std::get_if<app::Sent>(&d)) {
      sent_event = e;
      if (sent->receiver != command.receiver) {
        refused = app::Error{Code::permission_denied, "only the message's receiver may mark it read", std::nullopt,
                             "receiver", "not_receiver"};
        return false;
      }
    } else if (std::holds_alternative<app::Saved>(d)) {
      saved = true;
    } else if (std::holds_alternative<app::Read>(d)) {
      read_at = e.position;
      return false;
    }
    return true;
  });
  if (!visited) return done(std::unexpected(visited.error()));
  if (refused) return done(std::unexpected(*refused));
  if (read_at) return done(MarkReadResult{*read_at, true});
  if (!sent_event) return done(app::fail(Code::not_found, "no message " + command.message_id));
  if (!saved)
    return done(app::fail_because(Code::failed_precondition, "not_delivered",
                                  "message " + command.message_id + " is not in the mailbox yet; try again"));

  eventstore::NewEvent read = app::to_new_event(app::Read{command.message_id, command.receiver, app::now_us()});
  read.id = eventstore::derive_event_id(sent_event->id, "read");
  read.causation_position = sent_event->position;
  read.correlation_id = eventstore::is_nil(sent_event->correlation_id) ? sent_event->id : sent_event->correlation_id;
  command.actor.stamp(read);
  const eventstore::EventId read_id = *read.id;
  log_.append_async({app::message_stream(command.message_id), eventstore::ExpectedVersion::any(), {std::move(read)}},
                    [this, read_id, done = std::move(done)](app::Result<eventstore::AppendResult> r) mutable {
                      if (r) return done(MarkReadResult{r->first_position, r->duplicate});
                      if (r.error().code != Code::already_exists) return done(std::unexpected(r.error()));
                      // Another request marked it read first: answer with its Read, read
                      // off the writer thread.
                      post_([this, read_id, done = std::move(done)] {
                        auto stored = log_.find_event(read_id);
                        if (!stored) return done(std::unexpected(stored.error()));
                        if (!*stored) return done(app::fail(Code::internal, "a Read refused as taken is not in the log"));
                        done(MarkReadResult{(*stored)->position, true});
                      });
                    });
}

app::Result<MarkReadResult> MarkReadHandler::mark_read_and_wait(MarkRead command) {
  std::promise<app::Result<MarkReadResult>> promise;
  auto future = promise.get_future();
  mark_read(std::move(command), [&promise](app::Result<MarkReadResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace mailbox::commands
