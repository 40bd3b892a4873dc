#pragma once
// The sentmails view: each sender's mail, newest first, with read receipts. Built from
// Sent and Read events.

#include "core/projections/projection.h"

namespace mailbox::queries {

class SentmailsProjection final : public projections::Projection {
 public:
  static constexpr std::string_view kName = "sentmails";
  std::string_view name() const override { return kName; }
  bool wants(std::string_view type) const override;
  eventstore::Status apply(const eventstore::RecordedEvent& event, projections::ViewWriter& view) override;
};

}  // namespace mailbox::queries
