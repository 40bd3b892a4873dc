#include "core/eventstore/internal/log_cut.h"

#include <rocksdb/write_batch.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "core/eventstore/internal/envelope_codec.h"
#include "core/eventstore/internal/keys.h"

namespace mailbox::eventstore {

namespace {

bool supplied(const EventId& id) {
  return std::any_of(id.begin(), id.end(), [](std::uint8_t b) { return b != 0; });
}

}  // namespace

Result<std::uint64_t> cut_log(LogDb& db, std::uint64_t from, const std::function<void(const RecordedEvent&)>& visit) {
  if (from == 0) return fail(Code::invalid_argument, "the log is cut from position 1 on at most");
  // A cut runs on a store opened for it alone, before anything appends; should that
  // change, the in-memory rows past the cut must go too.
  db.recent_dedupe_rows().clear();
  rocksdb::WriteBatch wb;
  std::uint64_t removed = 0;
  std::vector<EventId> ids;
  auto scanned = db.scan_log(from, UINT64_MAX, SIZE_MAX, [&](RecordedEvent&& e) {
    visit(e);
    wb.Delete(db.log(), keys::encode_u64(e.position));
    wb.Delete(db.streams(), keys::stream_key(e.stream, e.version));
    if (supplied(e.id)) ids.push_back(e.id);
    ++removed;
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  // The dedupe rows of the removed events (an id names one event).
  for (const auto& id : ids) wb.Delete(db.dedupe(), rocksdb::Slice(reinterpret_cast<const char*>(id.data()), id.size()));
  std::unique_ptr<rocksdb::Iterator> it(db.db()->NewIterator(rocksdb::ReadOptions(), db.checkpoints()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    auto v = keys::decode_u64(std::string_view(it->value().data(), it->value().size()));
    if (!v || *v >= from) wb.Delete(db.checkpoints(), it->key());
  }
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "reading the checkpoints"));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  if (auto s = db.db()->Write(wo, &wb); !s.ok()) return std::unexpected(to_error(s, "cutting the log"));
  return removed;
}

}  // namespace mailbox::eventstore
