#pragma once
// Hosts the live worker of one view and swaps in a rebuilt generation while queries go
// on (online rebuild). Its position is that of whichever worker is live, and never goes
// backwards.
//
// Thread-safety: every method may be called from any thread; one rebuild at a time.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>

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
  // Stops the live worker and cancels a rebuild in progress (it returns unavailable and
  // leaves nothing behind). A later start() runs the view again.
  void stop();

  std::string_view name() const { return projection_.name(); }
  // The log position the live view has applied everything up to.
  const eventstore::Watermark& position() const { return position_; }
  // What keeps the view from moving, if anything: the live worker's error, or the
  // failure to start one (e.g. after a rebuild could not swap).
  std::optional<eventstore::Error> error() const;
  // Batches the live worker retried.
  std::uint64_t retries() const;
  // Told when the view gets stuck and when it is well again (see FollowerState).
  // REQUIRES: set before start().
  void set_listener(FollowerState::Listener listener) { listener_ = std::move(listener); }

  // Builds a new generation from the log while the current one keeps answering; when it
  // has caught up, stops the live worker, brings the new one level, activates it, makes
  // it the live worker and drops the old generation. Queries see the old view or the
  // new one, never a partial one. Blocks the calling thread until done. Errors: the
  // build's, or unavailable when stop() cancelled it.
  Result<RebuildResult> rebuild_online(const std::function<void(std::uint64_t)>& on_batch = {});

 private:
  // REQUIRES: mutex_ held.
  Status start_worker(std::uint64_t generation);
  // REQUIRES: mutex_ held. Takes status_mutex_ for the change only.
  void replace_worker(std::unique_ptr<ProjectionWorker> worker);
  void set_host_error(std::optional<eventstore::Error> e);

  const eventstore::EventStore& log_;
  ViewStore& views_;
  Projection& projection_;
  const WorkerOptions options_;
  FollowerState::Listener listener_;
  eventstore::Watermark position_;
  // Held through a rebuild's swap (stopping the live worker, catching up, activating),
  // which takes a while; guards forward_, building_, stopped_, and changes to worker_.
  mutable std::mutex mutex_;
  // Held only to change or read worker_ and host_error_, so that error() and retries()
  // (readiness, metrics) never wait for a swap.
  mutable std::mutex status_mutex_;
  std::unique_ptr<ProjectionWorker> worker_;
  std::optional<eventstore::Error> host_error_;  // the live worker could not be started
  eventstore::Watermark::Subscription forward_;
  ProjectionWorker* building_ = nullptr;  // the rebuild's worker, while one runs
  bool stopped_ = false;
  std::mutex rebuild_mutex_;  // one rebuild at a time
};

}  // namespace mailbox::projections
