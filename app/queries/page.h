#pragma once
// Cursor paging shared by the queries. A cursor is the log position of the last entry
// of a page, as decimal digits: the next page holds the entries older than it, so pages
// stay stable while new entries arrive.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/eventstore/status.h"

namespace mailbox::queries {

inline constexpr std::size_t kMaxPageSize = 100;

template <class T>
struct Page {
  std::vector<T> items;
  std::optional<std::string> next_cursor;  // absent on the last page
};

// Checks limit (1..kMaxPageSize) and parses the cursor (empty: first page, returned as 0).
// Errors: invalid_argument naming "limit" or "cursor".
eventstore::Result<std::uint64_t> check_page_request(std::size_t limit, std::string_view cursor);

}  // namespace mailbox::queries
