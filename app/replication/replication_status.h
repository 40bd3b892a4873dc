#pragma once
// What the shipper or the replica reports, for /metrics and /readyz.

#include <cstdint>
#include <optional>
#include <string>

#include "app/replication/replication_options.h"
#include "app/status.h"

namespace mailbox::replication {

struct ReplicationStatus {
  Role role = Role::none;
  bool connected = false;           // to NATS, now
  std::uint64_t position = 0;       // writer: the last position JetStream holds; replica: the last applied
  std::uint64_t stream_position = 0;  // the stream's last position as last seen (0: not known yet)
  std::uint64_t lag_events = 0;     // writer: head - position; replica: stream_position - position
  double lag_seconds = 0;           // how old the oldest event not yet shipped (or applied) is
  std::uint64_t messages = 0;       // published (writer) or applied (replica)
  std::uint64_t events = 0;         // in those messages
  std::uint64_t errors = 0;         // failed publishes, reads or applies
  std::uint64_t epoch = 0;          // the writer epoch in force (writer: its own)
  // Replica: the tail cut at start because the stream never took it (a fenced writer's).
  std::uint64_t cut_events = 0, cut_sends = 0;
  bool stream_known = false;       // replica: has found its place in the stream at least once
  bool caught_up = false;           // replica: within follow_max_lag of a known stream position
  std::optional<app::Error> fenced;  // writer: another writer has taken over; nothing more is shipped
  std::optional<app::Error> failed;  // replica: cannot go on (e.g. its next position left the stream)
  std::optional<app::Error> error;   // the latest error while it lasts
};

}  // namespace mailbox::replication
