#pragma once
// Cutting the log's tail (EventStore::cut_tail): what a writer that another has fenced
// holds past the point where its log left the stream. Internal to core/eventstore.

#include <cstdint>
#include <functional>

#include "core/eventstore/internal/log_db.h"
#include "core/eventstore/status.h"
#include "core/eventstore/types.h"

namespace mailbox::eventstore {

// Removes every event from position `from` on, in one synced write: its log row, its
// stream row (the stream's version goes back) and its dedupe row, and every checkpoint
// at or past `from`. visit sees each removed event first. Returns how many it removed.
Result<std::uint64_t> cut_log(LogDb& db, std::uint64_t from, const std::function<void(const RecordedEvent&)>& visit);

}  // namespace mailbox::eventstore
