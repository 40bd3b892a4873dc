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
#include "core/projections/view_store.h"

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

// prefix + ~position (u64 BE): the key of an index entry.
std::string index_key(std::string_view prefix, std::uint64_t position);

// One page of an index whose keys are prefix + ~position (u64 BE): newest first, after
// the cursor's position. row(value) turns an index value into an item (reading more rows
// through the reader if it must); position(item) gives the item's position for the next
// cursor. O(limit).
template <class T, class Row, class PositionOf>
eventstore::Result<Page<T>> read_page(const projections::ViewReader& reader, const std::string& prefix,
                                      std::size_t limit, std::string_view cursor, Row row, PositionOf position) {
  auto after_position = check_page_request(limit, cursor);
  if (!after_position) return std::unexpected(after_position.error());
  std::string after;
  if (*after_position != 0) after = index_key(prefix, *after_position);
  Page<T> page;
  std::optional<eventstore::Error> failure;
  bool more = false;
  auto scanned = reader.scan(prefix, after, [&](std::string_view, std::string_view value) {
    if (page.items.size() == limit) {
      more = true;
      return false;
    }
    eventstore::Result<T> item = row(value);
    if (!item) {
      failure = item.error();
      return false;
    }
    page.items.push_back(std::move(*item));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  if (failure) return std::unexpected(*failure);
  if (more) page.next_cursor = std::to_string(position(page.items.back()));
  return page;
}

}  // namespace mailbox::queries
