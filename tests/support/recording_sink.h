#pragma once
// An alarm sink for tests: records every delivery, and can be told to answer retry
// (down) or to reject alarms whose preview holds a word.

#include <mutex>
#include <vector>

#include "app/commands/alarm_sink.h"

namespace mailbox::testing {

class RecordingSink final : public commands::AlarmSink {
 public:
  static constexpr int kRejectAttempts = 2;  // what a rejection reports as attempts

  std::string_view channel() const override { return "test"; }
  commands::Delivery deliver(const commands::Alarm& alarm) override {
    std::lock_guard lock(mutex_);
    ++attempts_;
    if (down_) return commands::Delivery::retry("test sink is down");
    if (!reject_word_.empty() && alarm.text_preview.find(reject_word_) != std::string::npos)
      return commands::Delivery::reject("test sink rejects '" + reject_word_ + "'", kRejectAttempts);
    delivered_.push_back(alarm);
    return commands::Delivery::delivered();
  }
  void set_down(bool down) {
    std::lock_guard lock(mutex_);
    down_ = down;
  }
  // Alarms whose preview holds `word` are rejected for good; empty: none.
  void set_reject(std::string word) {
    std::lock_guard lock(mutex_);
    reject_word_ = std::move(word);
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
  mutable std::mutex mutex_;  // guards everything below: the policy's thread delivers, the test reads
  bool down_ = false;
  std::string reject_word_;
  int attempts_ = 0;
  std::vector<commands::Alarm> delivered_;
};

}  // namespace mailbox::testing
