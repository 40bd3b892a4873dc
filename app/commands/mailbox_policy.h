#pragma once
// The mailbox policy: every Sent message is saved into the receiver's mailbox (Saved).

#include "core/projections/policy.h"

namespace mailbox::commands {

class MailboxPolicy final : public projections::Policy {
 public:
  static constexpr std::string_view kName = "mailbox-policy";
  std::string_view name() const override { return kName; }
  bool wants(std::string_view type) const override;
  eventstore::Result<std::vector<eventstore::StreamAppend>> react(const eventstore::RecordedEvent& event) override;
};

}  // namespace mailbox::commands
