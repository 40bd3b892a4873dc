#pragma once
// The log's followers in one process, registered once: the policies, which derive
// events, and the views, which project them. Everything that concerns all of them reads
// this one list: starting and stopping, their status (readiness and metrics), online
// rebuilds, and the read-your-writes waits.
//
// Thread-safety: register everything before start(); after that every method may be
// called from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/eventstore/event_store.h"
#include "core/projections/policy.h"
#include "core/projections/policy_runner.h"
#include "core/projections/position_waiters.h"
#include "core/projections/projection_host.h"
#include "core/projections/rebuild.h"
#include "core/projections/view_store.h"

namespace mailbox::projections {

struct FollowerStatus {
  enum class Kind { policy, view };
  std::string name;
  Kind kind = Kind::view;
  std::uint64_t position = 0;              // handled everything up to here
  std::optional<eventstore::Error> error;  // what keeps it from moving, if anything
  std::uint64_t retries = 0;               // batches or events tried again
  std::vector<Policy::Counter> counters;   // a policy's own counters
};

struct ViewOptions {
  // The policies (by name, registered before) whose output the view shows, in the
  // order it flows: a wait for position P waits for the first to handle P, then for the
  // next to handle what the log held by then, and so on, and last for the view.
  std::vector<std::string> feeders;
  // Whether readiness waits for this view to catch up at start (when_caught_up).
  bool gates_readiness = true;
};

class Followers {
 public:
  using Done = PositionWaiters::Done;
  // Told, on the follower's thread, when a follower gets stuck (an error) and when it
  // is well again (nullopt): once per change. Must be quick.
  using Listener = std::function<void(std::string_view name, FollowerStatus::Kind kind,
                                      const std::optional<eventstore::Error>& error)>;

  // REQUIRES: log and views outlive this object.
  Followers(eventstore::EventStore& log, ViewStore& views, WorkerOptions workers = {}, PolicyOptions policies = {});
  ~Followers();  // stops
  Followers(const Followers&) = delete;
  Followers& operator=(const Followers&) = delete;

  // REQUIRES (all three): before start(); the policy or projection outlives this object.
  void add_policy(Policy& policy);
  void add_view(Projection& projection, ViewOptions options);
  void set_listener(Listener listener) { listener_ = std::move(listener); }

  // Starts every follower; each resumes from its checkpoint.
  Status start();
  // Cancels rebuilds and pending waits (later waits answer false at once), then stops
  // every follower (each finishes the batch in hand).
  void stop();
  // Policies that follow their checkpoints (PolicyOptions::follow_checkpoint) start
  // reacting from them (PolicyRunner::lead): a read replica has become the writer.
  void lead();

  // done(true) once `view` shows the event at `position` and everything it caused
  // through the view's feeders; done(false) when `timeout` passes first, the waits are
  // cancelled, or there is no such view. position 0 answers true at once. done runs on
  // the waiters' dispatch thread or on this thread; it must not block.
  void when_visible(std::string_view view, std::uint64_t position, std::chrono::milliseconds timeout, Done done);
  // As when_visible, blocking. REQUIRES: not called from a done callback.
  bool wait_visible(std::string_view view, std::uint64_t position, std::chrono::milliseconds timeout);
  // done(true) once every view that gates readiness shows `position` (as when_visible).
  void when_caught_up(std::uint64_t position, std::chrono::milliseconds timeout, Done done);
  // done(true) once the log's durable head reaches `position`.
  void when_logged(std::uint64_t position, std::chrono::milliseconds timeout, Done done);
  // Answers every pending wait with false; with close, every later one too.
  void cancel_waits(bool close);

  // Rebuilds a view online (ProjectionHost::rebuild_online). Errors: not_found for an
  // unknown view, the rebuild's own, unavailable when stop() cancelled it.
  Result<RebuildResult> rebuild(std::string_view view, const std::function<void(std::uint64_t)>& on_batch = {});

  // In registration order.
  std::vector<std::string> view_names() const;
  std::vector<FollowerStatus> status() const;
  // One follower's status; nullopt for an unknown name.
  std::optional<FollowerStatus> status(std::string_view name) const;
  // Blocks until the follower named so has handled `position` (not what it caused), or
  // the timeout passes; false for an unknown name.
  bool wait_handled(std::string_view name, std::uint64_t position, std::chrono::milliseconds timeout) const;
  // Stops one follower, and starts it again (tools and tests: a follower held back, as
  // a stuck one would be). start errors: not_found for an unknown name, or its own.
  void stop(std::string_view name);
  Status start(std::string_view name);

 private:
  struct View {
    std::unique_ptr<ProjectionHost> host;
    std::vector<PolicyRunner*> feeders;
    bool gates_readiness;
  };
  const View* find_view(std::string_view name) const;
  // The watermark of the follower named so; null for an unknown name.
  const eventstore::Watermark* position_of(std::string_view name) const;
  // Stage `stage` of a wait for `view`: the feeder at that index (or the view itself
  // past the last) must reach `target`.
  void chain(const View* view, std::size_t stage, std::uint64_t target,
             std::chrono::steady_clock::time_point deadline, Done done);
  // when_caught_up from the view at index i on.
  void catch_up_from(std::size_t i, std::uint64_t position, std::chrono::steady_clock::time_point deadline,
                     Done done);

  eventstore::EventStore& log_;
  ViewStore& views_;
  const WorkerOptions workers_;
  const PolicyOptions policies_;
  Listener listener_;
  std::vector<std::unique_ptr<PolicyRunner>> runners_;
  std::vector<View> view_list_;
  PositionWaiters waiters_;  // after the followers whose watermarks it watches: destroyed first
};

}  // namespace mailbox::projections
