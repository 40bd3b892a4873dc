#include "app/queries/sentmails_query.h"

#include "app/queries/sentmails_projection.h"

namespace mailbox::queries {

eventstore::Result<Page<SentRow>> SentmailsQuery::for_sender(std::string_view sender, std::size_t limit,
                                                             std::string_view cursor) const {
  auto opened = views_.reader(SentmailsProjection::kName);
  if (!opened) return std::unexpected(opened.error());
  const auto& reader = *opened;
  return read_page<SentRow>(
      reader, row_keys::sender_prefix(sender), limit, cursor,
      [&reader](std::string_view id) -> eventstore::Result<SentRow> {
        auto row = reader.get(row_keys::message(id));
        if (!row) return std::unexpected(row.error());
        if (!*row)
          return eventstore::fail(eventstore::Code::corruption, "index names message " + std::string(id) + " without a row");
        auto sent = decode_sent(**row);
        if (!sent) return eventstore::fail(eventstore::Code::corruption, "sent row of " + std::string(id) + " does not decode");
        return *sent;
      },
      [](const SentRow& s) { return s.position; });
}

}  // namespace mailbox::queries
