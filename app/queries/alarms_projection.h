#pragma once
// The alarm-list view: each phone number's alarms, newest first (from Alarmed), and the
// alarms that could not be delivered (from AlarmDeadLettered).

#include "core/projections/projection.h"

namespace mailbox::queries {

class AlarmsProjection final : public projections::Projection {
 public:
  static constexpr std::string_view kName = "alarms";
  std::string_view name() const override { return kName; }
  bool wants(std::string_view type) const override;
  eventstore::Status apply(const eventstore::RecordedEvent& event, projections::ViewWriter& view) override;
};

}  // namespace mailbox::queries
