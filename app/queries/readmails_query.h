#pragma once
// Queries over the readmails view. Each costs O(page): a seek and a short scan,
// whatever the log's size and other receivers' mail. Thread-safe.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/queries/page.h"
#include "app/queries/rows.h"
#include "core/projections/view_store.h"

namespace mailbox::queries {

using MailEntry = MailRow;

class ReadmailsQuery {
 public:
  explicit ReadmailsQuery(const projections::ViewStore& views) : views_(views) {}

  // A receiver's mail, newest first. Errors: invalid_argument (limit, cursor).
  eventstore::Result<Page<MailEntry>> for_receiver(std::string_view receiver, std::size_t limit,
                                                   std::string_view cursor) const;
  // All mail, newest first.
  eventstore::Result<Page<MailEntry>> latest(std::size_t limit, std::string_view cursor) const;
  // One message; nullopt when the view does not have it.
  eventstore::Result<std::optional<MailEntry>> by_id(std::string_view id) const;
  eventstore::Result<std::uint64_t> unread_count(std::string_view receiver) const;

 private:
  // Entries under an index prefix whose keys end in ~position.
  eventstore::Result<Page<MailEntry>> page(const std::string& prefix, std::size_t limit,
                                           std::string_view cursor) const;
  const projections::ViewStore& views_;
};

}  // namespace mailbox::queries
