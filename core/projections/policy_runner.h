#pragma once
// Runs a policy: follows the log from the policy's checkpoint (stored in the log) and
// commits the events it derives from a batch together with the new checkpoint, in one
// log transaction. So each input event yields its derived events exactly once, across
// crashes too; side effects inside react() may repeat after a crash (at least once).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/eventstore/event_store.h"
#include "core/projections/follower_state.h"
#include "core/projections/policy.h"

namespace mailbox::projections {

struct PolicyOptions {
  std::size_t batch_events = 500;                           // events reacted to per commit
  std::chrono::milliseconds first_retry{50};                // after an unavailable answer
  std::chrono::milliseconds max_retry{5000};                // backoff doubles up to this
  // A copy of another process's log (a read replica): the policy never reacts; its
  // position follows its checkpoint as the checkpoint arrives with the log.
  bool follow_checkpoint = false;
};

class PolicyRunner {
 public:
  // REQUIRES: log and policy outlive the runner.
  PolicyRunner(eventstore::EventStore& log, Policy& policy, PolicyOptions options = {});
  ~PolicyRunner();  // stops
  PolicyRunner(const PolicyRunner&) = delete;

  // Starts the thread from the policy's checkpoint; a runner halted by an error starts
  // afresh (its error cleared); a running one is left as it is. Any thread.
  Status start();
  // Finishes the step in hand, then ends the thread. Any thread; safe to call twice.
  void stop();
  // A runner that follows its checkpoint (a read replica's) starts reacting from it: the
  // replica has become the writer. Any thread; nothing for a runner that reacts already.
  void lead();

  FollowerState& state() { return state_; }
  const FollowerState& state() const { return state_; }
  std::string_view name() const { return policy_.name(); }
  const Policy& policy() const { return policy_; }
  std::uint64_t position() const { return state_.position().get(); }
  // Every event derived from what position() covers is at or below this log position:
  // the last the runner committed (at least the log's head when it started); on a
  // runner that follows its checkpoint, the log's durable head.
  std::uint64_t derived_upto() const {
    return following_ ? log_.durable_head() : derived_upto_.load(std::memory_order_acquire);
  }
  // How many times react() answered unavailable (retries).
  std::uint64_t retries() const { return retries_.load(std::memory_order_relaxed); }

 private:
  void run();
  // run() for options.follow_checkpoint.
  void follow_checkpoint();
  struct Step {
    std::uint64_t handled;             // the checkpoint committed (== from: nothing new)
    bool retry_later;                  // the policy answered unavailable for the next event
    std::optional<eventstore::Error> halt;  // the policy refused the next event for good
  };
  // Reacts to events after `from` and commits what it derived with the new checkpoint.
  // Errors: the log's (reading, or refusing the commit).
  Result<Step> step(std::uint64_t from);
  void sleep_for(std::chrono::milliseconds d);

  eventstore::EventStore& log_;
  Policy& policy_;
  const PolicyOptions options_;
  std::atomic<bool> following_;  // follows its checkpoint instead of reacting (until lead())
  std::atomic<std::uint64_t> derived_upto_{0};  // the last position this runner committed (see derived_upto())
  // What the runner derives from events past this position is not stored yet (its
  // commits say so: Transaction::ids_are_new): they were appended after it began to
  // lead in this process (the durable head at start() or lead()), and no commit of
  // what it derived from them has failed (one that failed may be stored after all).
  std::atomic<std::uint64_t> ids_new_after_{UINT64_MAX};
  FollowerState state_;
  std::mutex control_mutex_;  // orders start() and stop() calls; guards thread_
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};  // the thread has returned (stopped or halted)
  std::atomic<std::uint64_t> retries_{0};
  std::mutex sleep_mutex_;
  std::condition_variable sleep_cv_;
  std::thread thread_;
};

}  // namespace mailbox::projections
