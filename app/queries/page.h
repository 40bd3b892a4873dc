#pragma once
// Cursor paging shared by the queries. A cursor is the log position of the last entry
// of a page, as decimal digits: the next page holds the entries older than it, so pages
// stay stable while new entries arrive.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/queries/rows.h"
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

// Visits the values of one page's index entries (keys prefix + ~position, u64 BE):
// newest first after the cursor's position, up to limit. Answers whether more entries
// follow the page; when take returns false (a failure of the caller's) the scan stops
// there and the answer is false. O(limit).
eventstore::Result<bool> scan_page(const projections::ViewReader& reader, const std::string& prefix,
                                   std::size_t limit, std::string_view cursor,
                                   const std::function<bool(std::string_view value)>& take);

// One page of an index whose values are the items' rows: row(value) turns one into an
// item; position(item) gives the item's position for the next cursor.
template <class T, class Row, class PositionOf>
eventstore::Result<Page<T>> read_page(const projections::ViewReader& reader, const std::string& prefix,
                                      std::size_t limit, std::string_view cursor, Row row, PositionOf position) {
  Page<T> page;
  std::optional<eventstore::Error> failure;
  auto more = scan_page(reader, prefix, limit, cursor, [&](std::string_view value) {
    eventstore::Result<T> item = row(value);
    if (!item) {
      failure = item.error();
      return false;
    }
    page.items.push_back(std::move(*item));
    return true;
  });
  if (!more) return std::unexpected(more.error());
  if (failure) return std::unexpected(*failure);
  if (*more) page.next_cursor = std::to_string(position(page.items.back()));
  return page;
}

// One page of an index whose values are message ids, each message's row kept under
// row_keys::message(id): the page's ids first, then all their rows in one batched read.
// decode(id, row) turns a row into an item; a missing row is corruption.
template <class T, class Decode, class PositionOf>
eventstore::Result<Page<T>> read_joined_page(const projections::ViewReader& reader, const std::string& prefix,
                                             std::size_t limit, std::string_view cursor, Decode decode,
                                             PositionOf position) {
  std::vector<std::string> ids, keys;
  auto more = scan_page(reader, prefix, limit, cursor, [&](std::string_view id) {
    ids.emplace_back(id);
    keys.push_back(row_keys::message(id));
    return true;
  });
  if (!more) return std::unexpected(more.error());
  auto rows = reader.get_many(keys);
  if (!rows) return std::unexpected(rows.error());
  Page<T> page;
  page.items.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (!(*rows)[i])
      return eventstore::fail(eventstore::Code::corruption, "index names message " + ids[i] + " without a row");
    eventstore::Result<T> item = decode(ids[i], *(*rows)[i]);
    if (!item) return std::unexpected(item.error());
    page.items.push_back(std::move(*item));
  }
  if (*more) page.next_cursor = std::to_string(position(page.items.back()));
  return page;
}

}  // namespace mailbox::queries
