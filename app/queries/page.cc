#include "app/queries/page.h"

#include <charconv>

namespace mailbox::queries {

eventstore::Result<std::uint64_t> check_page_request(std::size_t limit, std::string_view cursor) {
  if (limit < 1 || limit > kMaxPageSize)
    return eventstore::fail(eventstore::Code::invalid_argument,
                            "limit: must be between 1 and " + std::to_string(kMaxPageSize));
  if (cursor.empty()) return 0;
  std::uint64_t position = 0;
  auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), position);
  if (ec != std::errc() || end != cursor.data() + cursor.size() || position == 0)
    return eventstore::fail(eventstore::Code::invalid_argument, "cursor: not a cursor from a previous page");
  return position;
}

}  // namespace mailbox::queries
