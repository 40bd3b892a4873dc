#pragma once
// A projection turns log events into the rows of one view. Implementations live in the
// application (app/queries); the worker that runs them lives here.

#include <string_view>

#include "core/eventstore/status.h"
#include "core/eventstore/types.h"
#include "core/projections/view_store.h"

namespace mailbox::projections {

class Projection {
 public:
  virtual ~Projection() = default;
  // The view's name: its rows and checkpoints are stored under it.
  virtual std::string_view name() const = 0;
  // Whether events of this type change the view; others are skipped without a call.
  virtual bool wants(std::string_view type) const = 0;
  // Applies one event. The view's rows, as left by the events before it (in this batch
  // too), are readable through view. An error halts the worker at this event: nothing
  // of its batch is written, and the error is reported, never skipped.
  // Called from one worker thread at a time.
  virtual Status apply(const eventstore::RecordedEvent& event, ViewWriter& view) = 0;
};

}  // namespace mailbox::projections
