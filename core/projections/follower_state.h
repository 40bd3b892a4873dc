#pragma once
// The state a log follower (projection worker, policy runner) shows to other threads:
// its position as a watermark, and the error it is stuck on, if any.
//
// Thread-safety: every method may be called from any thread; the follower's own thread
// sets and clears the error.

#include <functional>
#include <mutex>
#include <optional>

#include "core/eventstore/status.h"
#include "core/eventstore/watermark.h"

namespace mailbox::projections {

using eventstore::Code;
using eventstore::Error;
using eventstore::Result;
using eventstore::Status;

class FollowerState {
 public:
  // Told when the follower gets stuck (an error) and when it is well again (nullopt):
  // once per change, not per retry. Runs on the follower's thread; must be quick.
  using Listener = std::function<void(const std::optional<eventstore::Error>&)>;

  // The last log position fully handled (applied, or reacted to and committed).
  const eventstore::Watermark& position() const { return position_; }
  eventstore::Watermark& position() { return position_; }

  std::optional<eventstore::Error> error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }
  // REQUIRES: set before the follower starts.
  void set_listener(Listener listener) {
    std::lock_guard lock(mutex_);
    listener_ = std::move(listener);
  }
  void set_error(eventstore::Error e) {
    Listener tell;
    {
      std::lock_guard lock(mutex_);
      if (!error_) tell = listener_;
      error_ = e;
    }
    if (tell) tell(e);
  }
  void clear_error() {
    Listener tell;
    {
      std::lock_guard lock(mutex_);
      if (!error_) return;
      error_.reset();
      tell = listener_;
    }
    if (tell) tell(std::nullopt);
  }

 private:
  eventstore::Watermark position_;
  mutable std::mutex mutex_;  // guards error_ and listener_
  std::optional<eventstore::Error> error_;
  Listener listener_;
};

}  // namespace mailbox::projections
