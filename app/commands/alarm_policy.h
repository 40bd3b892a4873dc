#pragma once
// The alarm policy: a Sent message alarms its sender (kind sent), a Saved one its
// receiver (kind arrived). Each alarm goes through the sink, then Alarmed is appended.

#include "app/commands/alarm_sink.h"
#include "core/projections/policy.h"

namespace mailbox::commands {

class AlarmPolicy final : public projections::Policy {
 public:
  static constexpr std::string_view kName = "alarm-policy";
  static constexpr std::size_t kPreviewCodePoints = 40;
  // REQUIRES: sink outlives the policy.
  explicit AlarmPolicy(AlarmSink& sink) : sink_(sink) {}
  std::string_view name() const override { return kName; }
  bool wants(std::string_view type) const override;
  eventstore::Result<std::vector<eventstore::StreamAppend>> react(const eventstore::RecordedEvent& event) override;

 private:
  AlarmSink& sink_;
};

}  // namespace mailbox::commands
