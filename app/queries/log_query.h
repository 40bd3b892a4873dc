#pragma once
// Reads of the log itself, for operators and tools: pages of events in order, one
// stream, and where a message's stream begins. Thread-safe.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/status.h"
#include "core/eventstore/event_store.h"

namespace mailbox::queries {

using LoggedEvent = eventstore::RecordedEvent;

struct StreamPage {
  std::uint64_t version = 0;  // the stream's version (its number of events)
  std::vector<LoggedEvent> events;
};

class LogQuery {
 public:
  // REQUIRES: log outlives the query.
  explicit LogQuery(const eventstore::EventStore& log) : log_(log) {}

  // The last durable position (0: an empty log).
  std::uint64_t head() const { return log_.head(); }
  // Visits up to max_count events from position `from` on, in order, while visit
  // returns true.
  app::Status scan(std::uint64_t from, std::size_t max_count,
                   const std::function<bool(LoggedEvent&&)>& visit) const {
    return log_.scan_log(from, max_count, visit);
  }
  // Up to limit events of one stream from version from_version on. Errors: not_found
  // (no such stream).
  app::Result<StreamPage> stream(std::string_view name, std::uint64_t from_version, std::size_t limit) const;
  // The position of a message's first event (its Sent), if the log has the message.
  app::Result<std::optional<std::uint64_t>> message_position(std::string_view message_id) const;

 private:
  const eventstore::EventStore& log_;
};

}  // namespace mailbox::queries
