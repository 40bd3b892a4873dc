#pragma once
// Hosts the live worker of one view and swaps in a rebuilt generation while queries go
// on (online rebuild). Its position is that of whichever worker is live, and never goes
// backwards.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

#include "core/eventstore/event_store.h"
#include "core/eventstore/watermark.h"
#include "core/projections/projection_worker.h"
#include "core/projections/rebuild.h"

namespace mailbox::projections {

class ProjectionHost {
 public:
  // REQUIRES: log, views and projection outlive the host. The projection keeps no state
  // of its own: during an online rebuild two workers apply events through it at once.
  ProjectionHost(const eventstore::EventStore& log, ViewStore& views, Projection& projection,
                 WorkerOptions options = {});
  ~ProjectionHost();

  Status start();
  void stop();

  std::string_view name() const { return projection_.name(); }
  // The log position the live view has applied everything up to.
  const eventstore::Watermark& position() const { return position_; }
  // The error the live worker halted on, if any.
  std::optional<eventstore::Error> error() const;

  // Builds a new generation from the log while the current one keeps answering; when it
  // has caught up, stops the live worker, brings the new one level, activates it, makes
  // it the live worker and drops the old generation. Queries see the old view or the
  // new one, never a partial one. Blocks the calling thread until done.
  Result<RebuildResult> rebuild_online(const std::function<void(std::uint64_t)>& on_batch = {});

 private:
  Status start_worker(std::uint64_t generation);

  const eventstore::EventStore& log_;
  ViewStore& views_;
  Projection& projection_;
  const WorkerOptions options_;
  eventstore::Watermark position_;
  mutable std::mutex mutex_;  // guards worker_ and forward_ (swapped by a rebuild)
  std::unique_ptr<ProjectionWorker> worker_;
  eventstore::Watermark::Subscription forward_;
  std::mutex rebuild_mutex_;  // one rebuild at a time
};

}  // namespace mailbox::projections
