#pragma once
// An alarm sink for tests: records every delivery, and can be told to refuse.

#include <mutex>
#include <vector>

#include "app/commands/alarm_sink.h"

namespace mailbox::testing {

class RecordingSink final : public commands::AlarmSink {
 public:
  std::string_view channel() const override { return "test"; }
  eventstore::Status deliver(const commands::Alarm& alarm) override {
    std::lock_guard lock(mutex_);
    ++attempts_;
    if (down_) return eventstore::fail(eventstore::Code::unavailable, "test sink is down");
    delivered_.push_back(alarm);
    return {};
  }
  void set_down(bool down) {
    std::lock_guard lock(mutex_);
    down_ = down;
  }
  std::vector<commands::Alarm> delivered() const {
    std::lock_guard lock(mutex_);
    return delivered_;
  }
  int attempts() const {
    std::lock_guard lock(mutex_);
    return attempts_;
  }

 private:
  mutable std::mutex mutex_;
  bool down_ = false;
  int attempts_ = 0;
  std::vector<commands::Alarm> delivered_;
};

}  // namespace mailbox::testing
