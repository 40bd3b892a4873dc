#pragma once
// The writer epochs in a log: every WriterEpoch event sits in the stream
// "writer-epochs", one per start of a replicating writer, in increasing epoch order.

#include <cstdint>
#include <optional>
#include <string>

#include "app/status.h"
#include "core/eventstore/event_store.h"

namespace mailbox::replication {

inline constexpr const char* kWriterEpochsStream = "writer-epochs";

struct EpochRecord {
  std::uint64_t epoch = 0;
  std::string url;
  std::uint64_t position = 0;  // of its WriterEpoch event
};

// The latest epoch whose event is at or before `upto` (UINT64_MAX: the latest of all);
// nullopt when there is none.
app::Result<std::optional<EpochRecord>> epoch_at(const eventstore::EventStore& log, std::uint64_t upto = UINT64_MAX);
// Appends the WriterEpoch event of a new epoch.
app::Result<EpochRecord> append_epoch(eventstore::EventStore& log, std::uint64_t epoch, const std::string& url);

}  // namespace mailbox::replication
