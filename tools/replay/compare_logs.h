#pragma once
// mailbox-replay verify --against: compares two logs (a writer's and a replica's, or a
// backup's) position by position: envelope bytes (and so event ids), dedupe rows, and
// the checkpoints.

#include <string>

#include "core/eventstore/event_store.h"

namespace mailbox::replay {

// Prints what it checked, or the first difference, naming it. Returns 0 when the logs
// are the same, 1 at the first difference or on a read error.
int compare_logs(const eventstore::EventStore& a, const std::string& a_name, const eventstore::EventStore& b,
                 const std::string& b_name);

}  // namespace mailbox::replay
