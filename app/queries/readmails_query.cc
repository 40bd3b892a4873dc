#include "app/queries/readmails_query.h"

#include "app/queries/readmails_projection.h"
#include "core/eventstore/big_endian.h"

namespace mailbox::queries {

using eventstore::Code;

eventstore::Result<Page<MailEntry>> ReadmailsQuery::page(const std::string& prefix, std::size_t limit,
                                                         std::string_view cursor) const {
  auto opened = views_.reader(ReadmailsProjection::kName);
  if (!opened) return std::unexpected(opened.error());
  const auto& reader = *opened;
  // The index holds message ids; the rows hold the mail.
  return read_joined_page<MailEntry>(
      reader, prefix, limit, cursor,
      [](const std::string& id, std::string_view row) -> eventstore::Result<MailEntry> {
        auto mail = decode_mail(row);
        if (!mail) return eventstore::fail(Code::corruption, "mail row of " + id + " does not decode");
        return *mail;
      },
      [](const MailEntry& m) { return m.position; });
}

eventstore::Result<Page<MailEntry>> ReadmailsQuery::for_receiver(std::string_view receiver, std::size_t limit,
                                                                 std::string_view cursor) const {
  return page(row_keys::receiver_prefix(receiver), limit, cursor);
}

eventstore::Result<Page<MailEntry>> ReadmailsQuery::latest(std::size_t limit, std::string_view cursor) const {
  return page(std::string(row_keys::kLatestPrefix), limit, cursor);
}

eventstore::Result<std::optional<MailEntry>> ReadmailsQuery::by_id(std::string_view id) const {
  auto reader = views_.reader(ReadmailsProjection::kName);
  if (!reader) return std::unexpected(reader.error());
  auto row = reader->get(row_keys::message(id));
  if (!row) return std::unexpected(row.error());
  if (!*row) return std::optional<MailEntry>{};
  auto mail = decode_mail(**row);
  if (!mail) return eventstore::fail(Code::corruption, "mail row of " + std::string(id) + " does not decode");
  return std::optional<MailEntry>(std::move(*mail));
}

eventstore::Result<std::uint64_t> ReadmailsQuery::unread_count(std::string_view receiver) const {
  auto reader = views_.reader(ReadmailsProjection::kName);
  if (!reader) return std::unexpected(reader.error());
  auto stored = reader->get(row_keys::unread(receiver));
  if (!stored) return std::unexpected(stored.error());
  if (!*stored) return 0;
  auto v = eventstore::decode_u64(**stored);
  if (!v) return eventstore::fail(Code::corruption, "unread count is not 8 bytes");
  return *v;
}

}  // namespace mailbox::queries
