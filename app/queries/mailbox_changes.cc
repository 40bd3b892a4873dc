#include "app/queries/mailbox_changes.h"

#include "app/events.h"

namespace mailbox::queries {

app::Result<std::optional<std::string>> mailbox_change(const LoggedEvent& event, std::string_view receiver) {
  if (event.type != app::kSavedType && event.type != app::kReadType) return std::optional<std::string>{};
  auto decoded = app::decode(event);
  if (!decoded) return std::unexpected(decoded.error());
  if (const auto* saved = std::get_if<app::Saved>(&*decoded); saved && saved->receiver == receiver)
    return std::optional<std::string>(saved->message_id);
  if (const auto* read = std::get_if<app::Read>(&*decoded); read && read->receiver == receiver)
    return std::optional<std::string>(read->message_id);
  return std::optional<std::string>{};
}

}  // namespace mailbox::queries
