#include "app/queries/page.h"

#include <charconv>

#include "core/eventstore/big_endian.h"

namespace mailbox::queries {

eventstore::Result<std::uint64_t> check_page_request(std::size_t limit, std::string_view cursor) {
  if (limit < 1 || limit > kMaxPageSize)
    return eventstore::fail_field("limit", "must be between 1 and " + std::to_string(kMaxPageSize));
  if (cursor.empty()) return 0;
  std::uint64_t position = 0;
  auto [end, ec] = std::from_chars(cursor.data(), cursor.data() + cursor.size(), position);
  if (ec != std::errc() || end != cursor.data() + cursor.size() || position == 0)
    return eventstore::fail_field("cursor", "not a cursor from a previous page");
  return position;
}

std::string index_key(std::string_view prefix, std::uint64_t position) {
  std::string key(prefix);
  eventstore::append_u64(key, ~position);
  return key;
}

eventstore::Result<bool> scan_page(const projections::ViewReader& reader, const std::string& prefix,
                                   std::size_t limit, std::string_view cursor,
                                   const std::function<bool(std::string_view)>& take) {
  auto after_position = check_page_request(limit, cursor);
  if (!after_position) return std::unexpected(after_position.error());
  std::string after;
  if (*after_position != 0) after = index_key(prefix, *after_position);
  std::size_t taken = 0;
  bool more = false;
  auto scanned = reader.scan(prefix, after, [&](std::string_view, std::string_view value) {
    if (taken == limit) {
      more = true;
      return false;
    }
    ++taken;
    return take(value);
  });
  if (!scanned) return std::unexpected(scanned.error());
  return more;
}

}  // namespace mailbox::queries
