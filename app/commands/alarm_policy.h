#pragma once
// The alarm policy: a Sent message alarms its sender (kind sent), a Saved one its
// receiver (kind arrived); a redrive request alarms again under the same alarm id. Each
// alarm goes through the sink; its Delivery outcome decides what is appended (see
// alarm_sink.h): Alarmed, AlarmDeadLettered, or nothing yet (unavailable: the runner
// retries the event later).

#include <atomic>

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
  // Hands the batch's alarms to the sink together, so that several are in flight at
  // once; an alarm the sink rejects for good becomes AlarmDeadLettered. Stops (with
  // unavailable) at the first alarm the sink answers retry: the events after it are
  // handled again later, whatever their own outcome.
  BatchReaction react_batch(std::span<const eventstore::RecordedEvent> events) override;

  std::uint64_t delivered() const { return delivered_.load(); }
  std::uint64_t dead_lettered() const { return dead_lettered_.load(); }
  // alarms_delivered_total and alarms_dead_lettered_total, since start.
  std::vector<Counter> counters() const override;

 private:
  // The alarm an event calls for, with the event it comes from; nullopt for others.
  eventstore::Result<std::optional<Alarm>> alarm_for(const eventstore::RecordedEvent& event) const;
  // What to append once the sink has answered; unavailable for a retry.
  eventstore::Result<std::vector<eventstore::StreamAppend>> answer(const eventstore::RecordedEvent& event,
                                                                   const Alarm& alarm, const Delivery& delivery);
  AlarmSink& sink_;
  std::atomic<std::uint64_t> delivered_{0}, dead_lettered_{0};
};

}  // namespace mailbox::commands
