#pragma once
// Runs a projection: follows the log from the view's checkpoint and applies events in
// batches, each batch's rows written together with the new checkpoint. Sleeps on the
// log's commit watermark when caught up.

#include <atomic>
#include <cstdint>
#include <functional>
#include <thread>

#include "core/eventstore/event_store.h"
#include "core/projections/follower_state.h"
#include "core/projections/projection.h"
#include "core/projections/view_store.h"

namespace mailbox::projections {

struct WorkerOptions {
  std::size_t batch_events = 2000;  // events read and applied per view write
};

class ProjectionWorker {
 public:
  // REQUIRES: log, views and projection outlive the worker.
  ProjectionWorker(const eventstore::EventStore& log, ViewStore& views, Projection& projection,
                   std::uint64_t generation, WorkerOptions options = {});
  ~ProjectionWorker();  // stops
  ProjectionWorker(const ProjectionWorker&) = delete;

  // Starts the thread; it resumes from the generation's checkpoint.
  Status start();
  // Finishes the batch in hand, then stops the thread. Safe to call twice.
  void stop();

  // Applies events on the calling thread until the checkpoint reaches target (or the
  // log's head, if lower). For offline rebuilds. REQUIRES: the thread is not started.
  // on_batch, if set, is called after each batch with the new position.
  Status run_until(std::uint64_t target, const std::function<void(std::uint64_t)>& on_batch = {});

  std::uint64_t generation() const { return generation_; }
  // Row writes (puts and deletes) committed so far.
  std::uint64_t rows_written() const { return rows_written_.load(std::memory_order_relaxed); }
  const FollowerState& state() const { return state_; }
  std::uint64_t position() const { return state_.position().get(); }
  // Calls listener (on the worker's thread) each time the position moves.
  eventstore::Watermark::Subscription on_position(eventstore::Watermark::Listener listener) const {
    return state_.position().subscribe(std::move(listener));
  }

 private:
  void run();
  // Applies one batch after `from`; returns the new position (== from when nothing was there).
  Result<std::uint64_t> step(std::uint64_t from, std::uint64_t upto);

  const eventstore::EventStore& log_;
  ViewStore& views_;
  Projection& projection_;
  const std::uint64_t generation_;
  const WorkerOptions options_;
  FollowerState state_;
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> rows_written_{0};
  std::thread thread_;
};

}  // namespace mailbox::projections
