#pragma once
// The mark-read command: the receiver of a delivered message marks it read. Idempotent:
// one Read per message (its event id is derived from the Sent's), however many requests
// race to write it.

#include <functional>
#include <string>

#include "app/actor.h"
#include "app/commands/confirmation.h"
#include "app/status.h"
#include "core/eventstore/event_store.h"

namespace mailbox::commands {

struct MarkRead {
  std::string message_id;
  std::string receiver;  // who asks; must be the message's receiver
  app::Actor actor;      // recorded with the Read event
};

struct MarkReadResult {
  std::uint64_t position = 0;  // of the Read event
  bool already_read = false;   // the message was marked read before
};

class MarkReadHandler {
 public:
  using Done = std::function<void(app::Result<MarkReadResult>)>;
  // Runs a continuation off the log's writer thread.
  using Post = std::function<void(std::function<void()>)>;
  MarkReadHandler(eventstore::EventStore& log, Post post, Confirmation confirmation = {})
      : log_(log), post_(std::move(post)), confirmation_(std::move(confirmation)) {}

  // Reads the message's stream (on this thread), checks, then appends Read without
  // blocking; done runs on the log's writer thread, on this thread for a refusal, or on
  // the post thread after a race. Errors: invalid_argument (receiver: invalid_phone),
  // not_found (no such message), permission_denied (not_receiver),
  // failed_precondition (not_delivered: not in the mailbox yet), unavailable.
  void mark_read(MarkRead command, Done done);
  app::Result<MarkReadResult> mark_read_and_wait(MarkRead command);

 private:
  eventstore::EventStore& log_;
  Post post_;
  const Confirmation confirmation_;
};

}  // namespace mailbox::commands
