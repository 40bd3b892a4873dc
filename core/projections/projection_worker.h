#pragma once
// Runs a projection: follows the log from the view's checkpoint and applies events in
// batches, each batch's rows written together with the new checkpoint. Sleeps on the
// log's commit watermark when caught up.
//
// A batch that fails with Code::unavailable (the views database refused a write, e.g.
// a full disk) is retried with backoff, from the same checkpoint (after asking the
// database to resume, unless it recovers by itself, as from a full disk); meanwhile the worker reports the error (it is unready) and clears
// it once a batch goes through. Any other error halts it for good: reported, never
// skipped.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

#include "core/eventstore/event_store.h"
#include "core/projections/follower_state.h"
#include "core/projections/projection.h"
#include "core/projections/view_store.h"

namespace mailbox::projections {

struct WorkerOptions {
  std::size_t batch_events = 2000;             // events read and applied per view write
  std::chrono::milliseconds first_retry{50};   // after an unavailable batch
  std::chrono::milliseconds max_retry{5000};   // backoff doubles up to this
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
  // Finishes the batch in hand, then stops the thread (or a run_until in progress on
  // another thread, which then returns unavailable). Safe to call twice, from any thread.
  void stop();

  // Applies events on the calling thread until the checkpoint reaches target (or the
  // log's head, if lower). For rebuilds. REQUIRES: the thread is not started.
  // on_batch, if set, is called after each batch with the new position. Errors: the
  // first failed batch's, or unavailable when stop() was called meanwhile.
  Status run_until(std::uint64_t target, const std::function<void(std::uint64_t)>& on_batch = {});

  std::uint64_t generation() const { return generation_; }
  // Row writes (puts and deletes) committed so far.
  std::uint64_t rows_written() const { return rows_written_.load(std::memory_order_relaxed); }
  // Batches retried after an unavailable error.
  std::uint64_t retries() const { return retries_.load(std::memory_order_relaxed); }
  FollowerState& state() { return state_; }
  const FollowerState& state() const { return state_; }
  std::uint64_t position() const { return state_.position().get(); }
  // Whether the thread has returned: stopped, or halted by an error.
  bool finished() const { return finished_.load(); }
  // Calls listener (on the worker's thread) each time the position moves.
  eventstore::Watermark::Subscription on_position(eventstore::Watermark::Listener listener) const {
    return state_.position().subscribe(std::move(listener));
  }

 private:
  void run();
  // Applies one batch after `from`; returns the new position (== from when nothing was there).
  Result<std::uint64_t> step(std::uint64_t from, std::uint64_t upto);
  // Waits d (with jitter) or until stop(); false when stopping.
  bool pause(std::chrono::milliseconds d);

  const eventstore::EventStore& log_;
  ViewStore& views_;
  Projection& projection_;
  const std::uint64_t generation_;
  const WorkerOptions options_;
  FollowerState state_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  std::atomic<std::uint64_t> rows_written_{0}, retries_{0};
  std::mutex pause_mutex_;
  std::condition_variable pause_cv_;
  std::thread thread_;
};

}  // namespace mailbox::projections
