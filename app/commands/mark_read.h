#pragma once
// The mark-read command: the receiver of a delivered message marks it read. Idempotent.

#include <functional>
#include <string>

#include "core/eventstore/event_store.h"

namespace mailbox::commands {

struct MarkRead {
  std::string message_id;
  std::string receiver;  // who asks; must be the message's receiver
};

struct MarkReadResult {
  std::uint64_t position = 0;  // of the Read event
  bool already_read = false;   // the message was marked read before
};

class MarkReadHandler {
 public:
  using Done = std::function<void(eventstore::Result<MarkReadResult>)>;
  explicit MarkReadHandler(eventstore::EventStore& log) : log_(log) {}

  // Reads the message's stream (a few events), checks, then appends Read without
  // blocking. Errors: invalid_argument (receiver), not_found (no such message),
  // permission_denied (not the receiver), failed_precondition (not delivered yet),
  // unavailable.
  void mark_read(MarkRead command, Done done);
  eventstore::Result<MarkReadResult> mark_read_and_wait(MarkRead command);

 private:
  eventstore::EventStore& log_;
};

}  // namespace mailbox::commands
