#pragma once
// The state a log follower (projection worker, policy runner) shows to other threads:
// its position as a watermark, and the error it halted on, if any.

#include <mutex>
#include <optional>

#include "core/eventstore/status.h"
#include "core/eventstore/watermark.h"

namespace mailbox::projections {

class FollowerState {
 public:
  // The last log position fully handled (applied, or reacted to and committed).
  const eventstore::Watermark& position() const { return position_; }
  eventstore::Watermark& position() { return position_; }

  std::optional<eventstore::Error> error() const {
    std::lock_guard lock(mutex_);
    return error_;
  }
  void set_error(eventstore::Error e) {
    std::lock_guard lock(mutex_);
    error_ = std::move(e);
  }
  void clear_error() {
    std::lock_guard lock(mutex_);
    error_.reset();
  }

 private:
  eventstore::Watermark position_;
  mutable std::mutex mutex_;  // guards error_
  std::optional<eventstore::Error> error_;
};

}  // namespace mailbox::projections
