#include "app/commands/mailbox_policy.h"

#include "app/commands/policy_events.h"

namespace mailbox::commands {

bool MailboxPolicy::wants(std::string_view type) const { return type == app::kSentType; }

eventstore::Result<std::vector<eventstore::StreamAppend>> MailboxPolicy::react(const eventstore::RecordedEvent& event) {
  auto decoded = app::decode(event);
  if (!decoded) return std::unexpected(decoded.error());
  const auto* sent = std::get_if<app::Sent>(&*decoded);
  if (!sent) return std::vector<eventstore::StreamAppend>{};
  app::Saved saved{sent->message_id, sent->sender, sent->receiver, sent->text, sent->sent_at_us};
  std::vector<eventstore::StreamAppend> out;
  out.push_back({event.stream, eventstore::ExpectedVersion::any(), {derived_event(saved, event, "saved")}});
  return out;
}

}  // namespace mailbox::commands
