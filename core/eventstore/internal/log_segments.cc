#include "core/eventstore/internal/log_segments.h"

#include "core/eventstore/internal/envelope_codec.h"
#include "core/eventstore/internal/keys.h"

namespace mailbox::eventstore {

namespace {

rocksdb::Slice slice(const EventId& id) { return {reinterpret_cast<const char*>(id.data()), id.size()}; }

// Releases a snapshot when it goes.
struct SnapshotHold {
  rocksdb::DB* db;
  const rocksdb::Snapshot* snapshot;
  ~SnapshotHold() {
    if (snapshot != nullptr) db->ReleaseSnapshot(snapshot);
  }
};

// The dedupe rows of ids (the events from position first on), read in one batch: a row
// belongs to an event only when its range holds the event's position (ids are indexed
// for the append that supplied them).
Status read_dedupe_rows(const LogDb& db, const rocksdb::ReadOptions& ro, std::uint64_t first,
                        const std::vector<EventId>& ids, std::vector<DedupeRow>& out) {
  if (ids.empty()) return {};
  std::vector<rocksdb::Slice> keys;
  keys.reserve(ids.size());
  for (const auto& id : ids) keys.push_back(slice(id));
  std::vector<rocksdb::PinnableSlice> values(ids.size());
  std::vector<rocksdb::Status> statuses(ids.size());
  db.db()->MultiGet(ro, db.dedupe(), keys.size(), keys.data(), values.data(), statuses.data());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return std::unexpected(to_error(statuses[i], "reading an event id"));
    auto result = keys::decode_dedupe_value(std::string_view(values[i].data(), values[i].size()));
    if (!result) return fail(Code::corruption, "event id value is not 24 bytes");
    const std::uint64_t position = first + i;
    if (result->first_position <= position && position <= result->last_position) out.push_back({ids[i], *result});
  }
  return {};
}

}  // namespace

Result<LogSegment> read_segment(const LogDb& db, std::uint64_t from, std::size_t max_events, std::size_t max_bytes) {
  LogSegment segment;
  segment.first = from == 0 ? 1 : from;
  // A read-only (secondary) instance changes only when it catches up: it is its own
  // snapshot, and RocksDB has none for it.
  SnapshotHold hold{db.db(), db.read_only() ? nullptr : db.db()->GetSnapshot()};
  rocksdb::ReadOptions ro;
  ro.snapshot = hold.snapshot;

  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(ro, db.log()));
  std::size_t bytes = 0;
  std::uint64_t expected = segment.first;
  std::vector<EventId> ids;
  it->Seek(keys::encode_u64(segment.first));
  for (; it->Valid(); it->Next()) {
    if (segment.envelopes.size() >= max_events || (!segment.envelopes.empty() && bytes + it->value().size() > max_bytes))
      break;
    auto pos = keys::decode_u64(std::string_view(it->key().data(), it->key().size()));
    if (!pos || *pos != expected)
      return fail(Code::corruption, "log gap or bad key at position " + std::to_string(expected));
    const std::string_view value(it->value().data(), it->value().size());
    auto id = decode_envelope_id(value);
    if (!id) return std::unexpected(id.error());
    ids.push_back(*id);
    segment.envelopes.emplace_back(value);
    bytes += value.size();
    ++expected;
  }
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "reading the log"));
  if (auto recent = ids.empty() ? std::nullopt : db.recent_dedupe_rows().rows(segment.first, segment.last())) {
    segment.dedupe = std::move(*recent);
  } else {
    auto dedupe = read_dedupe_rows(db, ro, segment.first, ids, segment.dedupe);
    if (!dedupe) return std::unexpected(dedupe.error());
  }
  if (it->Valid()) return segment;  // not at the snapshot's head
  if (segment.envelopes.empty()) {
    // Past the head: the checkpoints alone, when from is just past it.
    std::unique_ptr<rocksdb::Iterator> last(db.db()->NewIterator(ro, db.log()));
    last->SeekToLast();
    if (!last->status().ok()) return std::unexpected(to_error(last->status(), "reading the log head"));
    std::uint64_t head = 0;
    if (last->Valid()) head = keys::decode_u64(std::string_view(last->key().data(), last->key().size())).value_or(0);
    if (head + 1 != segment.first) return segment;
  }

  segment.has_checkpoints = true;
  std::unique_ptr<rocksdb::Iterator> cps(db.db()->NewIterator(ro, db.checkpoints()));
  for (cps->SeekToFirst(); cps->Valid(); cps->Next()) {
    auto v = keys::decode_u64(std::string_view(cps->value().data(), cps->value().size()));
    if (!v) return fail(Code::corruption, "checkpoint value is not 8 bytes");
    segment.checkpoints.push_back({cps->key().ToString(), *v});
  }
  if (!cps->status().ok()) return std::unexpected(to_error(cps->status(), "reading the checkpoints"));
  return segment;
}

Result<std::size_t> stage_segment(const LogDb& db, StreamHeadCache& heads, const LogSegment& segment,
                                  std::uint64_t next, rocksdb::WriteBatch& wb) {
  if (segment.last() + 1 < next) return 0;  // the copy is past it: nothing new
  if (segment.first > next)
    return fail(Code::invalid_argument, "a segment starting at position " + std::to_string(segment.first) +
                                            " leaves a gap after the log's head " + std::to_string(next - 1));
  std::size_t staged = 0;
  for (std::uint64_t position = next; position <= segment.last(); ++position) {
    const std::string& value = segment.envelopes[position - segment.first];
    auto event = decode_envelope(value);
    if (!event) return std::unexpected(event.error());
    if (event->position != position)
      return fail(Code::invalid_argument, "the envelope at position " + std::to_string(position) + " says position " +
                                              std::to_string(event->position));
    std::uint64_t current = 0;
    if (auto cached = heads.get(event->stream)) {
      current = *cached;
    } else {
      auto stored = db.stream_version(event->stream);
      if (!stored) return std::unexpected(stored.error());
      current = *stored;
    }
    if (event->version != current + 1)
      return fail(Code::invalid_argument, "the event at position " + std::to_string(position) + " has version " +
                                              std::to_string(event->version) + " of stream '" + event->stream +
                                              "', which is at version " + std::to_string(current));
    const std::string key = keys::encode_u64(position);
    wb.Put(db.log(), key, value);
    wb.Put(db.streams(), keys::stream_key(event->stream, event->version), key);
    heads.put(event->stream, event->version);
    ++staged;
  }
  for (const auto& row : segment.dedupe)
    if (row.result.last_position >= next) wb.Put(db.dedupe(), slice(row.id), keys::encode_dedupe_value(row.result));
  if (segment.has_checkpoints)
    for (const auto& cp : segment.checkpoints) {
      if (!keys::valid_name(cp.name)) return fail(Code::invalid_argument, "a checkpoint name is not valid");
      // Checkpoints only move forward: a segment delivered again never takes one back.
      auto current = db.checkpoint(cp.name);
      if (!current) return std::unexpected(current.error());
      if (!*current || **current < cp.position) wb.Put(db.checkpoints(), cp.name, keys::encode_u64(cp.position));
    }
  return staged;
}

}  // namespace mailbox::eventstore
