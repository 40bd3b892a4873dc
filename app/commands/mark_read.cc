#include "app/commands/mark_read.h"

#include <future>

#include "app/commands/validation.h"
#include "app/events.h"

namespace mailbox::commands {

using eventstore::Code;

void MarkReadHandler::mark_read(MarkRead command, Done done) {
  if (auto s = validate_phone("receiver", command.receiver); !s) return done(std::unexpected(s.error()));
  const std::string stream = app::message_stream(command.message_id);
  if (command.message_id.empty() || command.message_id.size() > 200 ||
      command.message_id.find('\0') != std::string::npos)
    return done(eventstore::fail(Code::not_found, "no message " + command.message_id));
  auto events = log_.read_stream(stream, 1, 64);
  if (!events) return done(std::unexpected(events.error()));

  const eventstore::RecordedEvent* sent_event = nullptr;
  bool saved = false;
  for (const auto& e : *events) {
    auto decoded = app::decode(e);
    if (!decoded) return done(std::unexpected(decoded.error()));
    if (const auto* sent = std::get_if<app::Sent>(&*decoded)) {
      sent_event = &e;
      if (sent->receiver != command.receiver)
        return done(std::unexpected(eventstore::Error{Code::permission_denied,
                                                      "receiver: only the message's receiver may mark it read",
                                                      std::nullopt, "receiver"}));
    } else if (std::holds_alternative<app::Saved>(*decoded)) {
      saved = true;
    } else if (std::holds_alternative<app::Read>(*decoded)) {
      return done(MarkReadResult{e.position, true});
    }
  }
  if (!sent_event) return done(eventstore::fail(Code::not_found, "no message " + command.message_id));
  if (!saved)
    return done(eventstore::fail(Code::failed_precondition,
                                 "message " + command.message_id + " is not in the mailbox yet; try again"));

  eventstore::NewEvent read = app::to_new_event(app::Read{command.message_id, command.receiver, app::now_us()});
  // One Read per message, however many concurrent requests race to write it.
  read.id = eventstore::derive_event_id(sent_event->id, "read");
  read.causation_position = sent_event->position;
  read.correlation_id = eventstore::is_nil(sent_event->correlation_id) ? sent_event->id : sent_event->correlation_id;
  log_.append_async({stream, eventstore::ExpectedVersion::any(), {std::move(read)}},
                    [done = std::move(done)](eventstore::Result<eventstore::AppendResult> r) {
                      if (!r) return done(std::unexpected(r.error()));
                      done(MarkReadResult{r->first_position, r->duplicate});
                    });
}

eventstore::Result<MarkReadResult> MarkReadHandler::mark_read_and_wait(MarkRead command) {
  std::promise<eventstore::Result<MarkReadResult>> promise;
  auto future = promise.get_future();
  mark_read(std::move(command), [&promise](eventstore::Result<MarkReadResult> r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace mailbox::commands
