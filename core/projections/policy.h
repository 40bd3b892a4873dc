#pragma once
// A policy turns log events into new events (a process manager). Implementations live
// in the application (app/commands); the runner lives here.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "core/eventstore/status.h"
#include "core/eventstore/types.h"

namespace mailbox::projections {

class Policy {
 public:
  virtual ~Policy() = default;
  // The policy's checkpoint name in the log.
  virtual std::string_view name() const = 0;
  // Counters a policy keeps for metrics (e.g. alarms delivered), each a Prometheus
  // counter named mailbox_<name>. Thread-safe.
  struct Counter {
    std::string_view name;  // e.g. "alarms_delivered_total"
    std::string_view help;
    std::uint64_t value = 0;
  };
  virtual std::vector<Counter> counters() const { return {}; }
  // Whether the policy reacts to events of this type; others are passed without a call.
  virtual bool wants(std::string_view type) const = 0;
  // The events to append in answer to one event; side effects (delivering an alarm)
  // happen here, before the answer is committed. Each returned append must use
  // ExpectedVersion::any() and carry event ids derived from the source event with a
  // purpose that no other policy or command uses (eventstore::derive_event_id_at, from
  // its position and id, keeps the id index growing at its end; any stable derivation
  // works), so that a retry stores nothing twice. The runner relies on it: what a
  // policy derives from events appended since it began to lead is stored without
  // looking its ids up (Transaction::ids_are_new), and one runner per policy name runs
  // on a log. Its commits use Transaction::each_event_once: an event whose id is stored
  // for the same stream and type counts as stored, whatever its payload.
  // Errors: unavailable makes the runner retry this event later (with backoff) without
  // moving past it; any other code halts the runner, reported, never skipped.
  // Called from one runner thread at a time.
  virtual eventstore::Result<std::vector<eventstore::StreamAppend>> react(const eventstore::RecordedEvent& event) = 0;

  // What react_batch did: the answers to the first events, in order, and the error of
  // the first event it could not finish (none when it finished them all).
  struct BatchReaction {
    std::vector<std::vector<eventstore::StreamAppend>> answers;
    std::optional<eventstore::Error> stopped;
  };
  // Reacts to several wanted events at once, so that a policy may work on them
  // concurrently (deliver several alarms at a time). The runner commits the answers it
  // gets and moves its checkpoint only past them: the first unfinished event and all
  // after it are handled again later, side effects included. The default calls react()
  // one event at a time.
  virtual BatchReaction react_batch(std::span<const eventstore::RecordedEvent> events) {
    BatchReaction out;
    for (const auto& e : events) {
      auto r = react(e);
      if (!r) {
        out.stopped = r.error();
        break;
      }
      out.answers.push_back(std::move(*r));
    }
    return out;
  }
};

}  // namespace mailbox::projections
