#pragma once
// The readmails view: each receiver's mailbox (newest first, with read flags), all mail
// newest first, and unread counts. Built from Saved and Read events.

#include "core/projections/projection.h"

namespace mailbox::queries {

class ReadmailsProjection final : public projections::Projection {
 public:
  static constexpr std::string_view kName = "readmails";
  std::string_view name() const override { return kName; }
  bool wants(std::string_view type) const override;
  eventstore::Status apply(const eventstore::RecordedEvent& event, projections::ViewWriter& view) override;
};

}  // namespace mailbox::queries
