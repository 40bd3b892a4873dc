#include "app/catalog.h"

#include "app/commands/alarm_policy.h"
#include "app/commands/mailbox_policy.h"
#include "app/queries/alarms_projection.h"
#include "app/queries/readmails_projection.h"
#include "app/queries/sentmails_projection.h"

namespace mailbox::app {

const std::vector<PolicyEntry>& policies() {
  static const std::vector<PolicyEntry> list = {
      {commands::MailboxPolicy::kName,
       [](const PolicyDeps&) -> std::unique_ptr<projections::Policy> { return std::make_unique<commands::MailboxPolicy>(); }},
      {commands::AlarmPolicy::kName,
       [](const PolicyDeps& deps) -> std::unique_ptr<projections::Policy> {
         return std::make_unique<commands::AlarmPolicy>(deps.alarm_sink);
       }},
  };
  return list;
}

const std::vector<ViewEntry>& views() {
  static const std::vector<ViewEntry> list = {
      // Saved and Read, per receiver: the mailbox.
      {queries::ReadmailsProjection::kName,
       []() -> std::unique_ptr<projections::Projection> { return std::make_unique<queries::ReadmailsProjection>(); },
       {commands::MailboxPolicy::kName},
       true},
      // Sent and Read, per sender: sent mail with read receipts. Both come from commands.
      {queries::SentmailsProjection::kName,
       []() -> std::unique_ptr<projections::Projection> { return std::make_unique<queries::SentmailsProjection>(); },
       {},
       true},
      // Alarmed and dead letters, per phone. It may lag while the alarm channel is down:
      // readiness does not wait for it.
      {queries::AlarmsProjection::kName,
       []() -> std::unique_ptr<projections::Projection> { return std::make_unique<queries::AlarmsProjection>(); },
       {commands::MailboxPolicy::kName, commands::AlarmPolicy::kName},
       false},
  };
  return list;
}

const ViewEntry* find_view(std::string_view name) {
  for (const auto& v : views())
    if (v.name == name) return &v;
  return nullptr;
}

}  // namespace mailbox::app
