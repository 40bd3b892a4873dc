#pragma once
// Reading a stretch of the log as stored, and staging one read from another store:
// the two halves of copying a log byte for byte (EventStore::read_segment and
// apply_segment). Internal to core/eventstore.

#include <rocksdb/write_batch.h>

#include <cstddef>
#include <cstdint>

#include "core/eventstore/internal/log_db.h"
#include "core/eventstore/internal/stream_head_cache.h"
#include "core/eventstore/status.h"
#include "core/eventstore/types.h"

namespace mailbox::eventstore {

// Events from `from` on, in one snapshot (see EventStore::read_segment).
Result<LogSegment> read_segment(const LogDb& db, std::uint64_t from, std::size_t max_events, std::size_t max_bytes);

// Puts the segment's events from position `next` on into wb: log, streams and dedupe
// rows, and its checkpoints. Verifies each envelope first: it decodes, carries its
// position, and its stream version follows the stream's current one (heads, read from
// db on a miss; updated as staged, so the caller clears them when the write fails).
// Returns the number of events staged. Writes nothing to db.
Result<std::size_t> stage_segment(const LogDb& db, StreamHeadCache& heads, const LogSegment& segment,
                                  std::uint64_t next, rocksdb::WriteBatch& wb);

}  // namespace mailbox::eventstore
