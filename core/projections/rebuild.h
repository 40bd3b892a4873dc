#pragma once
// Offline rebuild: builds a fresh generation of a view from the start of the log, then
// makes it the active one and drops the old. Runs on the calling thread; no policy runs,
// so no side effect happens again.

#include <cstdint>
#include <functional>

#include "core/eventstore/event_store.h"
#include "core/projections/projection.h"
#include "core/projections/projection_worker.h"
#include "core/projections/view_store.h"

namespace mailbox::projections {

struct RebuildResult {
  std::uint64_t generation = 0;  // the new active generation
  std::uint64_t position = 0;    // the log position it was built up to
  std::uint64_t rows_written = 0;
};

// Builds up to `upto` (default: the log's head when called). on_batch(position) is
// called after each batch, for progress reports.
Result<RebuildResult> rebuild_offline(const eventstore::EventStore& log, ViewStore& views, Projection& projection,
                                      const std::function<void(std::uint64_t)>& on_batch = {},
                                      std::uint64_t upto = UINT64_MAX, WorkerOptions options = {});

// Builds a fresh generation up to `upto` without activating it (for comparisons);
// the caller drops it when done.
Result<RebuildResult> build_generation(const eventstore::EventStore& log, ViewStore& views, Projection& projection,
                                       std::uint64_t upto, WorkerOptions options = {});

}  // namespace mailbox::projections
