#include "app/commands/message_history.h"

namespace mailbox::commands {

app::Status visit_message(const eventstore::EventStore& log, std::string_view message_id,
                          const std::function<bool(const eventstore::RecordedEvent&, const app::MailboxEvent&)>& visit) {
  constexpr std::size_t kPage = 256;
  const std::string stream = app::message_stream(message_id);
  for (std::uint64_t from = 1;;) {
    auto events = log.read_stream(stream, from, kPage);
    if (!events) return std::unexpected(events.error());
    for (const auto& e : *events) {
      auto decoded = app::decode(e);
      if (!decoded) return std::unexpected(decoded.error());
      if (!visit(e, *decoded)) return {};
    }
    if (events->size() < kPage) return {};
    from += kPage;
  }
}

bool plausible_message_id(std::string_view message_id) {
  return !message_id.empty() && message_id.size() <= 200 && message_id.find('\0') == std::string_view::npos;
}

}  // namespace mailbox::commands
