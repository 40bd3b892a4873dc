#pragma once
// A policy turns log events into new events (a process manager). Implementations live
// in the application (app/commands); the runner lives here.

#include <string_view>
#include <vector>

#include "core/eventstore/status.h"
#include "core/eventstore/types.h"

namespace mailbox::projections {

class Policy {
 public:
  virtual ~Policy() = default;
  // The policy's checkpoint name in the log.
  virtual std::string_view name() const = 0;
  // Whether the policy reacts to events of this type; others are passed without a call.
  virtual bool wants(std::string_view type) const = 0;
  // The events to append in answer to one event; side effects (delivering an alarm)
  // happen here, before the answer is committed. Each returned append must use
  // ExpectedVersion::any() and carry event ids derived from the source event, so that
  // a retry stores nothing twice.
  // Errors: unavailable makes the runner retry this event later (with backoff) without
  // moving past it; any other code halts the runner, reported, never skipped.
  // Called from one runner thread at a time.
  virtual eventstore::Result<std::vector<eventstore::StreamAppend>> react(const eventstore::RecordedEvent& event) = 0;
};

}  // namespace mailbox::projections
