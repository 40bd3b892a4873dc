#include "app/queries/sentmails_query.h"

#include "app/queries/sentmails_projection.h"

namespace mailbox::queries {

eventstore::Result<Page<SentRow>> SentmailsQuery::for_sender(std::string_view sender, std::size_t limit,
                                                             std::string_view cursor) const {
  auto opened = views_.reader(SentmailsProjection::kName);
  if (!opened) return std::unexpected(opened.error());
  const auto& reader = *opened;
  // The index holds message ids; the rows hold the sent messages.
  return read_joined_page<SentRow>(
      reader, row_keys::sender_prefix(sender), limit, cursor,
      [](const std::string& id, std::string_view row) -> eventstore::Result<SentRow> {
        auto sent = decode_sent(row);
        if (!sent) return eventstore::fail(eventstore::Code::corruption, "sent row of " + id + " does not decode");
        return *sent;
      },
      [](const SentRow& s) { return s.position; });
}

}  // namespace mailbox::queries
