#pragma once
// Writes a log that looks like a mailbox's: per message Sent, Saved, two Alarmed, and
// Read for every third message (~200-byte payloads), with the policies' checkpoints at
// the end, as if they had handled it all. For the rebuild and scale benchmarks.

#include <cstdint>

#include "core/eventstore/event_store.h"

namespace mailbox::bench {

// Appends at least `events` events (whole messages), many transactions in flight.
eventstore::Status write_mailbox_log(eventstore::EventStore& log, std::uint64_t events);

}  // namespace mailbox::bench
