#include "core/eventstore/internal/log_db.h"

#include <rocksdb/filter_policy.h>
#include <rocksdb/table.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>

#include "core/eventstore/internal/envelope_codec.h"
#include "core/eventstore/internal/keys.h"

namespace mailbox::eventstore {

namespace {

const std::vector<std::string>& family_names() {
  static const std::vector<std::string> names = {
      rocksdb::kDefaultColumnFamilyName, keys::kLog, keys::kStreams,
      keys::kDedupe, keys::kCheckpoints};
  return names;
}

rocksdb::ColumnFamilyOptions family_options(const std::string& name,
                                            const std::shared_ptr<rocksdb::Cache>& cache) {
  rocksdb::ColumnFamilyOptions cf;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = cache;
  if (name == keys::kStreams || name == keys::kDedupe) {
    // Point lookups that mostly miss (is there a first event of this stream? is this id
    // stored?): bloom filters answer them without reading a block.
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    cf.memtable_prefix_bloom_size_ratio = 0.05;
    cf.memtable_whole_key_filtering = true;
  }
  if (name == keys::kLog) cf.write_buffer_size = 32u << 20;
  // LZ4 costs less CPU than the default Snappy at a similar ratio; flushes and
  // compactions share the cores with the writer.
  cf.compression = rocksdb::kLZ4Compression;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  return cf;
}

}  // namespace

Result<std::unique_ptr<LogDb>> LogDb::open(const std::string& path, const StoreOptions& options) {
  storage::RocksSpec spec;
  spec.path = path;
  spec.what = "mailbox log";
  spec.marker_family = keys::kLog;
  spec.create_if_missing = options.create_if_missing;
  spec.read_only = options.read_only;
  spec.options.max_background_jobs = 2;
  spec.options.max_open_files = options.max_open_files;
  spec.options.bytes_per_sync = 1 << 20;
  spec.options.keep_log_file_num = 5;
  if (options.env != nullptr) spec.options.env = options.env;
  spec.options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(options.memtable_budget_bytes);
  auto cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  for (const auto& name : family_names()) spec.families.emplace_back(name, family_options(name, cache));

  auto rocks = storage::RocksDb::open(std::move(spec));
  if (!rocks) return std::unexpected(rocks.error());
  std::unique_ptr<LogDb> self(new LogDb());
  self->rocks_ = std::move(*rocks);
  self->recent_ = std::make_unique<RecentDedupeRows>(options.read_only ? 0 : options.recent_dedupe_rows);
  if (!options.read_only)
    if (auto s = self->keep_a_memtable_row(); !s) return std::unexpected(s.error());
  return self;
}

Status LogDb::keep_a_memtable_row() {
  rocksdb::WriteOptions wo;
  wo.disableWAL = true;  // never durable, never read: it only keeps a memtable non-empty
  auto s = db()->Put(wo, rocks_->family(0), "memtable-row", "");
  if (!s.ok()) return std::unexpected(to_error(s, "writing the log's memtable row"));
  return {};
}

Status LogDb::resume() {
  if (auto s = rocks_->resume(); !s) return s;
  return keep_a_memtable_row();
}

Status LogDb::checkpoint_to(const std::string& dir) {
  if (auto s = rocks_->checkpoint_to(dir); !s) return s;
  return keep_a_memtable_row();
}

Status LogDb::flush() {
  auto s = db()->Flush(rocksdb::FlushOptions(), rocks_->families());
  if (!s.ok()) return std::unexpected(to_error(s, "flushing the log"));
  return {};
}

Result<std::uint64_t> LogDb::last_position() const {
  std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(rocksdb::ReadOptions(), log()));
  it->SeekToLast();
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "reading the log head"));
  if (!it->Valid()) return 0;
  auto pos = keys::decode_u64(std::string_view(it->key().data(), it->key().size()));
  if (!pos) return fail(Code::corruption, "log key is not 8 bytes");
  return *pos;
}

Result<std::uint64_t> LogDb::stream_version(std::string_view stream) const {
  // Most lookups are for streams that do not exist yet: a point lookup of version 1,
  // answered by the bloom filters, settles those without an iterator.
  std::string value;
  auto s = db()->Get(rocksdb::ReadOptions(), streams(), keys::stream_key(stream, 1), &value);
  if (s.IsNotFound()) return 0;
  if (!s.ok()) return std::unexpected(to_error(s, "reading a stream head"));
  const std::string last = keys::stream_key(stream, UINT64_MAX);
  std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(rocksdb::ReadOptions(), streams()));
  it->SeekForPrev(last);
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "reading a stream head"));
  const std::string_view key(it->key().data(), it->Valid() ? it->key().size() : 0);
  if (!it->Valid() || key.size() != last.size() || key.substr(0, stream.size() + 1) != last.substr(0, stream.size() + 1))
    return fail(Code::corruption, "stream '" + std::string(stream) + "' has version 1 but no head");
  return *keys::decode_u64(key.substr(key.size() - 8));
}

Result<std::optional<AppendResult>> LogDb::find_event_id(const EventId& id) const {
  std::string value;
  auto s = db()->Get(rocksdb::ReadOptions(), dedupe(),
                    rocksdb::Slice(reinterpret_cast<const char*>(id.data()), id.size()), &value);
  if (s.IsNotFound()) return std::optional<AppendResult>{};
  if (!s.ok()) return std::unexpected(to_error(s, "reading an event id"));
  auto r = keys::decode_dedupe_value(value);
  if (!r) return fail(Code::corruption, "event id value is not 24 bytes");
  r->duplicate = true;
  return r;
}

Result<RecordedEvent> LogDb::event_with_id(const EventId& id, const AppendResult& stored) const {
  std::optional<RecordedEvent> found;
  auto scanned = scan_log(stored.first_position, stored.last_position, stored.last_position - stored.first_position + 1,
                          [&](RecordedEvent&& e) {
                            if (e.id != id) return true;
                            found = std::move(e);
                            return false;
                          });
  if (!scanned) return std::unexpected(scanned.error());
  if (!found)
    return fail(Code::corruption, "event id " + to_string(id) + " is indexed at positions " +
                                      std::to_string(stored.first_position) + ".." +
                                      std::to_string(stored.last_position) + " but no event there carries it");
  return std::move(*found);
}

Result<std::optional<std::uint64_t>> LogDb::checkpoint(std::string_view name) const {
  std::string value;
  auto s = db()->Get(rocksdb::ReadOptions(), checkpoints(), rocksdb::Slice(name.data(), name.size()), &value);
  if (s.IsNotFound()) return std::optional<std::uint64_t>{};
  if (!s.ok()) return std::unexpected(to_error(s, "reading a checkpoint"));
  auto v = keys::decode_u64(value);
  if (!v) return fail(Code::corruption, "checkpoint value is not 8 bytes");
  return v;
}

Result<std::uint64_t> LogDb::max_checkpoint() const {
  std::uint64_t highest = 0;
  std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(rocksdb::ReadOptions(), checkpoints()));
  for (it->SeekToFirst(); it->Valid(); it->Next())
    if (auto v = keys::decode_u64(std::string_view(it->value().data(), it->value().size()))) highest = std::max(highest, *v);
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "reading the checkpoints"));
  return highest;
}

Status LogDb::scan_log(std::uint64_t from, std::uint64_t upto, std::size_t max_count,
                       const std::function<bool(RecordedEvent&&)>& visit) const {
  auto scanned = scan_log(from, upto, max_count, nullptr, visit);
  if (!scanned) return std::unexpected(scanned.error());
  return {};
}

Result<std::uint64_t> LogDb::scan_log(std::uint64_t from, std::uint64_t upto, std::size_t max_count,
                                      const TypeFilter& wanted,
                                      const std::function<bool(RecordedEvent&&)>& visit) const {
  if (from == 0) from = 1;
  if (from > upto || max_count == 0) return from - 1;
  const std::string start = keys::encode_u64(from);
  const std::string end = keys::encode_u64(upto + 1);
  rocksdb::Slice end_slice(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = upto == UINT64_MAX ? nullptr : &end_slice;
  std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(ro, log()));
  std::size_t count = 0;
  std::uint64_t expected = from;
  for (it->Seek(start); it->Valid() && count < max_count; it->Next(), ++count) {
    auto pos = keys::decode_u64(std::string_view(it->key().data(), it->key().size()));
    if (!pos || *pos != expected)
      return fail(Code::corruption, "log gap or bad key at position " + std::to_string(expected));
    std::uint64_t stored_position = 0;
    auto event = decode_envelope_of_type(std::string_view(it->value().data(), it->value().size()), wanted,
                                         stored_position);
    if (!event) return std::unexpected(event.error());
    if (stored_position != *pos)
      return fail(Code::corruption, "envelope position differs from its key at " + std::to_string(*pos));
    if (*event && !visit(std::move(**event))) return expected - 1;
    ++expected;
  }
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "scanning the log"));
  return expected - 1;
}

Result<std::vector<std::uint64_t>> LogDb::stream_positions(std::string_view stream,
                                                           std::uint64_t from_version,
                                                           std::size_t max_count) const {
  std::vector<std::uint64_t> positions;
  if (max_count == 0) return positions;
  const std::string start = keys::stream_key(stream, std::max<std::uint64_t>(from_version, 1));
  const std::string end = keys::stream_key(stream, UINT64_MAX);
  rocksdb::Slice end_slice(end);
  rocksdb::ReadOptions ro;
  ro.iterate_upper_bound = &end_slice;
  std::unique_ptr<rocksdb::Iterator> it(db()->NewIterator(ro, streams()));
  for (it->Seek(start); it->Valid() && positions.size() < max_count; it->Next()) {
    auto pos = keys::decode_u64(std::string_view(it->value().data(), it->value().size()));
    if (!pos) return fail(Code::corruption, "stream index value is not 8 bytes");
    positions.push_back(*pos);
  }
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "reading a stream"));
  return positions;
}

Result<RecordedEvent> LogDb::read_event(std::uint64_t position) const {
  rocksdb::PinnableSlice value;
  auto s = db()->Get(rocksdb::ReadOptions(), log(), keys::encode_u64(position), &value);
  if (s.IsNotFound()) return fail(Code::not_found, "no event at position " + std::to_string(position));
  if (!s.ok()) return std::unexpected(to_error(s, "reading the log"));
  return decode_envelope(std::string_view(value.data(), value.size()));
}

}  // namespace mailbox::eventstore
