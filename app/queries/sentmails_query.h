#pragma once
// Queries over the sentmails view. O(page). Thread-safe.

#include <string_view>

#include "app/queries/page.h"
#include "app/queries/rows.h"
#include "core/projections/view_store.h"

namespace mailbox::queries {

class SentmailsQuery {
 public:
  explicit SentmailsQuery(const projections::ViewStore& views) : views_(views) {}

  // A sender's mail, newest first, with read receipts. Errors: invalid_argument (limit,
  // cursor).
  eventstore::Result<Page<SentRow>> for_sender(std::string_view sender, std::size_t limit,
                                               std::string_view cursor) const;

 private:
  const projections::ViewStore& views_;
};

}  // namespace mailbox::queries
