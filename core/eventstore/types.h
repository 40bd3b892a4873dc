#pragma once
// Value types of the event store: what callers append and what they read back.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/eventstore/event_id.h"

namespace mailbox::eventstore {

// The version a stream must have for an append to go through. A stream's version is
// the number of events in it: 0 for a stream that does not exist, 1 after its first event.
struct ExpectedVersion {
  enum class Kind { any, no_stream, exact, fresh };
  Kind kind = Kind::any;
  std::uint64_t version = 0;  // only for Kind::exact

  static ExpectedVersion any() { return {Kind::any, 0}; }
  static ExpectedVersion no_stream() { return {Kind::no_stream, 0}; }
  static ExpectedVersion exactly(std::uint64_t v) { return {Kind::exact, v}; }
  // A stream whose name holds an id the caller has just drawn (a new time-ordered id):
  // no earlier append can have made it, so the store does not read the log to check
  // (it compares with the streams it holds in memory only). Anything else: no_stream().
  static ExpectedVersion fresh() { return {Kind::fresh, 0}; }
  bool matches(std::uint64_t current) const {
    switch (kind) {
      case Kind::any: return true;
      case Kind::no_stream:
      case Kind::fresh: return current == 0;
      case Kind::exact: return current == version;
    }
    return false;
  }
};

// One event as a caller hands it to append.
struct NewEvent {
  std::string type;     // required, e.g. "Sent"
  std::string payload;  // opaque bytes
  // Supplied: the store remembers it and a later append carrying it again returns the
  // original result and writes nothing. Absent: a fresh random id, nothing remembered.
  std::optional<EventId> id;
  EventId correlation_id{};               // zero: none
  std::uint64_t causation_position = 0;   // zero: none
  std::string principal;                  // who issued it; may be empty
  std::string token_id;                   // the credential it came with; may be empty
  std::string client_address;             // where it came from; may be empty
  // Another id under which an earlier version of the code that makes this event stored
  // it (a policy's derived ids before they began with their source's position): where
  // the append looks its id up (not Transaction::ids_are_new), the event also counts as
  // stored when this one is, as for id. Never stored itself.
  std::optional<EventId> legacy_id;
};

// Events for one stream, guarded by an expected version.
struct StreamAppend {
  std::string stream;  // 1..1024 bytes, no NUL byte
  ExpectedVersion expected;
  std::vector<NewEvent> events;  // at least one
};

// A follower's position, written atomically with the events of a transaction.
struct Checkpoint {
  std::string name;  // 1..1024 bytes
  std::uint64_t position = 0;
  bool operator==(const Checkpoint&) const = default;
};

// Several stream appends and checkpoints committed all together or not at all.
// Each stream may appear once.
struct Transaction {
  std::vector<StreamAppend> streams;
  std::vector<Checkpoint> checkpoints;
  // The caller's word that none of the supplied event ids is stored yet: the writer
  // then looks them up among this commit's own only, not in the store (a read each).
  // A policy gives it for what it derives from events appended after it began to lead
  // in this process (PolicyRunner; the ids derived from the source events, one runner
  // per policy). Given wrongly, a second copy of an event is stored.
  bool ids_are_new = false;
  // Events derived by a policy, each stored once on its own: an event whose id is
  // stored already for the same stream and type is left out, whichever append stored
  // it, and the other events of its append are appended. Its payload is not compared:
  // what a policy derives again may carry the time it was derived at (an Alarmed's
  // delivery time), and the stored event stands. Without it an append is stored whole
  // or not at all: some of its ids stored, or stored by different appends, is refused,
  // and a stored id counts only for the same stream, type and payload. A policy that
  // derives again after a restart or a promotion, in other batches than those that
  // stored the events, needs it.
  bool each_event_once = false;
};

struct AppendResult {
  std::uint64_t first_position = 0;
  std::uint64_t last_position = 0;
  std::uint64_t stream_version = 0;  // the stream's version after the append
  bool duplicate = false;            // these event ids were stored by an earlier append

  bool operator==(const AppendResult&) const = default;
};

struct TransactionResult {
  std::vector<AppendResult> streams;  // one per StreamAppend, in order
};

// Which events a reader wants, by type: the others are read and verified but not
// decoded (their strings never copied).
using TypeFilter = std::function<bool(std::string_view type)>;

// One event as stored in the log.
struct RecordedEvent {
  std::uint64_t position = 0;
  std::string stream;
  std::uint64_t version = 0;
  std::string type;
  EventId id{};
  std::int64_t timestamp_us = 0;
  EventId correlation_id{};
  std::uint64_t causation_position = 0;
  std::string principal;
  std::string payload;
  std::string token_id;
  std::string client_address;
};

// The dedupe row of a supplied event id: the append that stored it.
struct DedupeRow {
  EventId id{};
  AppendResult result;
};

// A stretch of the log as stored, for copying it into another store byte for byte
// (replication): consecutive events' envelopes, the dedupe rows of the ids among them,
// and, when it ends at the head it was read at, every checkpoint as of that head (so a
// copy's checkpoints always agree with its log). A segment without envelopes that
// carries checkpoints is the checkpoints alone, as of position first - 1. Read by
// EventStore::read_segment, applied by EventStore::apply_segment.
struct LogSegment {
  std::uint64_t first = 0;              // position of envelopes[0]
  std::vector<std::string> envelopes;   // the log values, as stored
  std::vector<DedupeRow> dedupe;        // for ids among these events
  bool has_checkpoints = false;         // checkpoints holds every checkpoint as of last()
  std::vector<Checkpoint> checkpoints;
  std::uint64_t last() const { return first + envelopes.size() - 1; }
};

// Counters of the writer, for metrics.
struct WriterStats {
  std::uint64_t batches = 0;       // synced WriteBatches written
  std::uint64_t transactions = 0;  // transactions committed (not refused)
  std::uint64_t events = 0;        // events appended
  std::uint64_t write_micros = 0;  // time spent in synced writes, in total
  std::uint64_t id_lookups = 0;    // reads of the store's id index (a supplied id; its legacy id when not found)
};

}  // namespace mailbox::eventstore
