#pragma once
// A fenced writer restarted as a replica (--follow) holds a tail the stream never took:
// the events from the first position where its log differs from the stream's (the new
// writer's epoch may sit below the stream's end). Before anything reads that log, the
// tail is cut (EventStore::cut_tail), and the views that had applied it are rebuilt
// (the engine's part), so that the replica follows the new writer. docs/replication.md.

#include <cstdint>
#include <optional>
#include <string>

#include "app/replication/replication_options.h"
#include "app/status.h"
#include "core/eventstore/event_store.h"

namespace mailbox::replication {

class NatsLink;

struct Difference {
  std::uint64_t position = 0;  // the first position whose envelopes differ
  std::string theirs;          // the stream's envelope there (empty: the stream ends before)
};

// Where the log's envelopes first differ from the stream's (a position the stream does
// not have counts as different); nullopt when the log is the stream's or a part of its
// start. Errors: failed_precondition when they differ before the first position the
// stream still holds (seed the replica from a backup instead); the link's.
app::Result<std::optional<Difference>> first_difference(NatsLink& link, const std::string& stream,
                                                        const eventstore::EventStore& log);

struct TailCut {
  std::uint64_t from = 0;         // the first position removed
  std::uint64_t events = 0;       // removed
  std::uint64_t sends = 0;        // of them, Sent events (messages acknowledged in async mode are lost)
};

// For a replica: compares the log at log_path (open nowhere) with the stream and cuts
// the tail that differs, logging each removed send's message id. nullopt: nothing to
// cut, or NATS did not answer (the replica then refuses to follow, as before).
app::Result<std::optional<TailCut>> cut_divergent_tail(const std::string& log_path,
                                                       const eventstore::StoreOptions& store,
                                                       const ReplicationOptions& options);

}  // namespace mailbox::replication
