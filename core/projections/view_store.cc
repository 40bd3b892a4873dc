#include "core/projections/view_store.h"

#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/listener.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "core/eventstore/big_endian.h"
#include "core/storage/rocks_db.h"

namespace mailbox::projections {

using eventstore::append_u64;
using eventstore::decode_u64;
using eventstore::encode_u64;
using storage::to_error;
using namespace std::string_literals;

namespace {

// Rows of a generation: view name, NUL, generation (u64 BE), then the row's key.
std::string row_prefix(std::string_view view, std::uint64_t generation) {
  std::string p(view);
  p.push_back('\0');
  append_u64(p, generation);
  return p;
}

// The smallest key greater than every key starting with prefix.
std::string prefix_end(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// How many deleted rows may_hold steps over before it answers "maybe".
constexpr std::uint64_t kMayHoldMaxSkipped = 1000;

// Level-0 table files of the rows before RocksDB merges them into level 1 (its default:
// 4). A view's rows land all over the key space (every receiver, every phone), so each
// merge into level 1 rewrites most of level 1 (up to 256 MB); waiting for twice as many
// flushes halves how often, at the cost of a few more files to look at per read (bloom
// filters answer most point reads). Measured in docs/benchmarks.md ("Later on
// 2026-11-27: the views database merges level 0 less often").
constexpr int kRowsLevel0FilesBeforeCompaction = 8;

std::string active_key(std::string_view view) { return "active\0"s + std::string(view); }
std::string last_generation_key(std::string_view view) { return "generations\0"s + std::string(view); }
std::string checkpoint_key(std::string_view view, std::uint64_t generation) {
  std::string k = "checkpoint\0"s + std::string(view);
  k.push_back('\0');
  append_u64(k, generation);
  return k;
}

// Calls use(iterator) with an iterator of cf (read with ro) that ends before the first
// key past full_prefix, and returns what use returns. The bound lives as long as the
// iterator.
template <class Use>
auto with_prefix_iterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, rocksdb::ReadOptions ro,
                          const std::string& full_prefix, Use&& use) {
  const std::string end = prefix_end(full_prefix);
  rocksdb::Slice end_slice(end);
  if (!end.empty()) ro.iterate_upper_bound = &end_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
  return use(*it);
}

Status scan_rows(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snapshot,
                 const std::string& base, std::string_view prefix, std::string_view after,
                 const std::function<bool(std::string_view, std::string_view)>& visit) {
  const std::string full_prefix = base + std::string(prefix);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  return with_prefix_iterator(db, cf, ro, full_prefix, [&](rocksdb::Iterator& it) -> Status {
    const std::string start = after.empty() ? full_prefix : base + std::string(after);
    it.Seek(start);
    if (!after.empty() && it.Valid() && it.key() == rocksdb::Slice(start)) it.Next();
    for (; it.Valid(); it.Next()) {
      const std::string_view key(it.key().data() + base.size(), it.key().size() - base.size());
      if (!visit(key, std::string_view(it.value().data(), it.value().size()))) break;
    }
    if (!it.status().ok()) return std::unexpected(to_error(it.status(), "scanning a view"));
    return {};
  });
}

}  // namespace

struct ViewStore::Impl {
  std::unique_ptr<storage::RocksDb> rocks;  // column families: default, rows, meta
  rocksdb::DB* db = nullptr;
  rocksdb::ColumnFamilyHandle* rows() const { return rocks->family(1); }
  rocksdb::ColumnFamilyHandle* meta() const { return rocks->family(2); }
  bool read_only = false;
  mutable std::shared_mutex mutex;  // guards active, and orders generation changes
  mutable std::map<std::string, std::uint64_t, std::less<>> active;

  Result<std::optional<std::uint64_t>> read_meta(const std::string& key) const {
    std::string value;
    auto s = db->Get(rocksdb::ReadOptions(), meta(), key, &value);
    if (s.IsNotFound()) return std::optional<std::uint64_t>{};
    if (!s.ok()) return std::unexpected(to_error(s, "reading view metadata"));
    auto v = decode_u64(value);
    if (!v) return eventstore::fail(Code::corruption, "view metadata value is not 8 bytes");
    return v;
  }
};

struct ViewReader::Impl {
  rocksdb::DB* db;
  rocksdb::ColumnFamilyHandle* cf;
  const rocksdb::Snapshot* snapshot;
  std::string base;
  ~Impl() { db->ReleaseSnapshot(snapshot); }
};

ViewReader::ViewReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ViewReader::~ViewReader() = default;
ViewReader::ViewReader(ViewReader&&) noexcept = default;

Result<std::optional<std::string>> ViewReader::get(std::string_view key) const {
  rocksdb::ReadOptions ro;
  ro.snapshot = impl_->snapshot;
  std::string value;
  auto s = impl_->db->Get(ro, impl_->cf, impl_->base + std::string(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>{};
  if (!s.ok()) return std::unexpected(to_error(s, "reading a view"));
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::optional<std::string>>> ViewReader::get_many(const std::vector<std::string>& keys) const {
  std::vector<std::string> full;
  full.reserve(keys.size());
  for (const auto& key : keys) full.push_back(impl_->base + key);
  const std::vector<rocksdb::Slice> slices(full.begin(), full.end());
  std::vector<rocksdb::PinnableSlice> values(keys.size());
  std::vector<rocksdb::Status> statuses(keys.size());
  rocksdb::ReadOptions ro;
  ro.snapshot = impl_->snapshot;
  impl_->db->MultiGet(ro, impl_->cf, slices.size(), slices.data(), values.data(), statuses.data());
  std::vector<std::optional<std::string>> rows(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    if (!statuses[i].ok()) return std::unexpected(to_error(statuses[i], "reading a view"));
    rows[i].emplace(values[i].data(), values[i].size());
  }
  return rows;
}

Status ViewReader::scan(std::string_view prefix, std::string_view after,
                        const std::function<bool(std::string_view, std::string_view)>& visit) const {
  return scan_rows(impl_->db, impl_->cf, impl_->snapshot, impl_->base, prefix, after, visit);
}

struct ViewWriter::Impl {
  rocksdb::DB* db;
  rocksdb::ColumnFamilyHandle* rows;
  rocksdb::ColumnFamilyHandle* meta;
  std::string base;
  std::string view;
  std::uint64_t generation;
  // The batch's writes by full key (nullopt: deleted); reads look here first.
  std::unordered_map<std::string, std::optional<std::string>> pending;
  std::size_t writes = 0;
  // may_hold's answers of this batch by prefix (after base); a put under one makes it true.
  std::vector<std::pair<std::string, bool>> holds;

  void note_put(std::string_view full_key) {
    const std::string_view key = full_key.substr(base.size());
    for (auto& [prefix, any] : holds)
      if (key.starts_with(prefix)) any = true;
  }
};

ViewWriter::ViewWriter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ViewWriter::~ViewWriter() = default;
ViewWriter::ViewWriter(ViewWriter&&) noexcept = default;

Result<std::optional<std::string>> ViewWriter::get(std::string_view key) {
  std::string full = impl_->base + std::string(key);
  if (auto it = impl_->pending.find(full); it != impl_->pending.end()) return it->second;
  std::string value;
  auto s = impl_->db->Get(rocksdb::ReadOptions(), impl_->rows, full, &value);
  if (s.IsNotFound()) return std::optional<std::string>{};
  if (!s.ok()) return std::unexpected(to_error(s, "reading a view"));
  return std::optional<std::string>(std::move(value));
}

void ViewWriter::put(std::string_view key, std::string_view value) {
  auto [it, inserted] = impl_->pending.insert_or_assign(impl_->base + std::string(key), std::string(value));
  if (!impl_->holds.empty()) impl_->note_put(it->first);
  ++impl_->writes;
}

void ViewWriter::del(std::string_view key) {
  impl_->pending.insert_or_assign(impl_->base + std::string(key), std::nullopt);
  ++impl_->writes;
}

Result<bool> ViewWriter::may_hold(std::string_view prefix) {
  for (const auto& [known, any] : impl_->holds)
    if (known == prefix) return any;  // asked per event: answered without building a key
  const std::string full = impl_->base + std::string(prefix);
  bool any = false;
  for (const auto& [key, value] : impl_->pending)
    if (value && key.starts_with(full)) {
      any = true;
      break;
    }
  if (!any) {
    rocksdb::ReadOptions ro;
    // Rows deleted under the prefix stay as tombstones until compactions drop them;
    // past this many the answer is "maybe" rather than a longer walk.
    ro.max_skippable_internal_keys = kMayHoldMaxSkipped;
    auto stored = with_prefix_iterator(impl_->db, impl_->rows, ro, full, [&](rocksdb::Iterator& it) -> Result<bool> {
      it.Seek(full);
      if (it.status().IsIncomplete()) return true;
      if (!it.status().ok()) return std::unexpected(to_error(it.status(), "reading a view"));
      return it.Valid();
    });
    if (!stored) return std::unexpected(stored.error());
    any = *stored;
  }
  impl_->holds.emplace_back(std::string(prefix), any);
  return any;
}

std::size_t ViewWriter::count() const { return impl_->writes; }

ViewStore::ViewStore() : impl_(std::make_unique<Impl>()) {}

ViewStore::~ViewStore() = default;

bool ViewStore::read_only() const { return impl_->read_only; }

namespace {
Status refuse_read_only() { return eventstore::fail(Code::unavailable, "the views are open read-only"); }
}  // namespace

Result<std::unique_ptr<ViewStore>> ViewStore::open(const std::string& path, const ViewStoreOptions& options) {
  storage::RocksSpec spec;
  spec.path = path;
  spec.what = "mailbox views";
  spec.marker_family = "rows";
  spec.create_if_missing = options.create_if_missing;
  spec.read_only = options.read_only;
  spec.options.max_background_jobs = 2;
  spec.options.max_open_files = options.max_open_files;
  spec.options.keep_log_file_num = 5;
  spec.options.atomic_flush = true;  // rows and checkpoints reach disk together (see commit)
  spec.options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(options.memtable_budget_bytes);
  if (options.env) spec.options.env = options.env;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));  // most row lookups while applying miss
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kLZ4Compression;
  rocksdb::ColumnFamilyOptions rows = cf;
  // A bloom filter for the rows still in memory too: most lookups while applying miss
  // (is this message in the view yet? has this alarm a dead letter?), and a whole-key
  // bloom filter answers a miss without a search of the memtable's skip list. Only the
  // rows get one: each memtable allocates its filter whole when it is made (5% of the
  // write buffer size, 3.2 MB), counted against the memtable budget; the unused
  // default family and `meta` (a few keys, read at start and on generation changes)
  // would take 6.4 MB of the budget for nothing.
  rows.memtable_prefix_bloom_size_ratio = 0.05;
  rows.memtable_whole_key_filtering = true;
  rows.level0_file_num_compaction_trigger = kRowsLevel0FilesBeforeCompaction;
  spec.families = {{rocksdb::kDefaultColumnFamilyName, cf}, {"rows", rows}, {"meta", cf}};

  auto rocks = storage::RocksDb::open(std::move(spec));
  if (!rocks) return std::unexpected(rocks.error());
  std::unique_ptr<ViewStore> store(new ViewStore());
  store->impl_->rocks = std::move(*rocks);
  store->impl_->db = store->impl_->rocks->db();
  store->impl_->read_only = options.read_only;
  if (!options.read_only)
    if (auto s = store->drop_orphans(); !s) return std::unexpected(s.error());
  return store;
}

Status ViewStore::drop_orphans() {
  // Rows: view, NUL, generation, row key. Visit each (view, generation) once by seeking
  // past its prefix; drop those that are not the view's active generation.
  std::vector<std::pair<std::string, std::uint64_t>> orphans;
  {
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->rows()));
    for (it->SeekToFirst(); it->Valid();) {
      const std::string_view key(it->key().data(), it->key().size());
      const auto nul = key.find('\0');
      if (nul == std::string_view::npos || key.size() < nul + 9)
        return eventstore::fail(Code::corruption, "view row key without a generation");
      const std::string view(key.substr(0, nul));
      const std::uint64_t generation = *decode_u64(key.substr(nul + 1, 8));
      auto active = active_generation(view);
      if (!active) return std::unexpected(active.error());
      if (generation != *active) orphans.emplace_back(view, generation);
      it->Seek(prefix_end(row_prefix(view, generation)));
    }
    if (!it->status().ok()) return std::unexpected(to_error(it->status(), "listing view generations"));
  }
  {
    // Checkpoints of generations that never wrote a row.
    const std::string prefix = "checkpoint\0"s;
    std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(rocksdb::ReadOptions(), impl_->meta()));
    for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
      const std::string_view rest(it->key().data() + prefix.size(), it->key().size() - prefix.size());
      const auto nul = rest.find('\0');
      if (nul == std::string_view::npos || rest.size() != nul + 9) continue;
      const std::string view(rest.substr(0, nul));
      const std::uint64_t generation = *decode_u64(rest.substr(nul + 1));
      auto active = active_generation(view);
      if (!active) return std::unexpected(active.error());
      if (generation != *active) orphans.emplace_back(view, generation);
    }
    if (!it->status().ok()) return std::unexpected(to_error(it->status(), "listing view checkpoints"));
  }
  for (const auto& [view, generation] : orphans)
    if (auto s = drop(view, generation); !s) return s;
  return {};
}

Status ViewStore::resume() {
  if (impl_->read_only) return {};
  return impl_->rocks->resume();
}

Result<std::uint64_t> ViewStore::active_generation(std::string_view view) const {
  {
    std::shared_lock lock(impl_->mutex);
    if (auto it = impl_->active.find(view); it != impl_->active.end()) return it->second;
  }
  std::unique_lock lock(impl_->mutex);
  // A read error is reported, never taken for "not rebuilt yet" (generation 1), and
  // nothing is cached until a read succeeds.
  auto stored = impl_->read_meta(active_key(view));
  if (!stored) return std::unexpected(stored.error());
  const std::uint64_t generation = stored->value_or(1);
  impl_->active.emplace(std::string(view), generation);
  return generation;
}

Result<std::uint64_t> ViewStore::checkpoint(std::string_view view, std::uint64_t generation) const {
  auto v = impl_->read_meta(checkpoint_key(view, generation));
  if (!v) return std::unexpected(v.error());
  return v->value_or(0);
}

Result<std::uint64_t> ViewStore::new_generation(std::string_view view) {
  if (impl_->read_only) return std::unexpected(refuse_read_only().error());
  std::unique_lock lock(impl_->mutex);
  auto last = impl_->read_meta(last_generation_key(view));
  if (!last) return std::unexpected(last.error());
  auto active = impl_->read_meta(active_key(view));
  if (!active) return std::unexpected(active.error());
  const std::uint64_t next = std::max(last->value_or(1), active->value_or(1)) + 1;
  auto s = impl_->db->Put(rocksdb::WriteOptions(), impl_->meta(), last_generation_key(view), encode_u64(next));
  if (!s.ok()) return std::unexpected(to_error(s, "allocating a view generation"));
  return next;
}

Status ViewStore::activate(std::string_view view, std::uint64_t generation) {
  if (impl_->read_only) return refuse_read_only();
  // Rows of the generation must be on disk before the switch to it is. The flush takes
  // a while: readers are not held up meanwhile.
  rocksdb::FlushOptions flush;
  if (auto s = impl_->db->Flush(flush, impl_->rocks->families()); !s.ok())
    return std::unexpected(to_error(s, "flushing a view generation"));
  std::unique_lock lock(impl_->mutex);
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = impl_->db->Put(wo, impl_->meta(), active_key(view), encode_u64(generation));
  if (!s.ok()) return std::unexpected(to_error(s, "activating a view generation"));
  impl_->active[std::string(view)] = generation;
  return {};
}

Status ViewStore::drop(std::string_view view, std::uint64_t generation) {
  if (impl_->read_only) return refuse_read_only();
  const std::string begin = row_prefix(view, generation);
  rocksdb::WriteBatch batch;
  batch.DeleteRange(impl_->rows(), begin, prefix_end(begin));
  batch.Delete(impl_->meta(), checkpoint_key(view, generation));
  auto s = impl_->db->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return std::unexpected(to_error(s, "dropping a view generation"));
  return {};
}

Result<ViewReader> ViewStore::reader(std::string_view view) const {
  auto generation = active_generation(view);  // caches it
  if (!generation) return std::unexpected(generation.error());
  // The generation and the snapshot together, under the lock that a switch of
  // generations takes: a reader never gets the old generation after it was dropped.
  std::shared_lock lock(impl_->mutex);
  auto it = impl_->active.find(view);
  return reader(view, it != impl_->active.end() ? it->second : *generation);
}

ViewReader ViewStore::reader(std::string_view view, std::uint64_t generation) const {
  auto impl = std::make_unique<ViewReader::Impl>();
  impl->db = impl_->db;
  impl->cf = impl_->rows();
  impl->snapshot = impl_->db->GetSnapshot();
  impl->base = row_prefix(view, generation);
  return ViewReader(std::move(impl));
}

ViewWriter ViewStore::writer(std::string_view view, std::uint64_t generation) {
  auto impl = std::make_unique<ViewWriter::Impl>();
  impl->db = impl_->db;
  impl->rows = impl_->rows();
  impl->meta = impl_->meta();
  impl->base = row_prefix(view, generation);
  impl->view = std::string(view);
  impl->generation = generation;
  return ViewWriter(std::move(impl));
}

Status ViewStore::commit(ViewWriter& batch, std::uint64_t checkpoint_position) {
  if (impl_->read_only) return refuse_read_only();
  auto& w = *batch.impl_;
  // In key order: consecutive memtable inserts then land near each other.
  std::vector<const std::pair<const std::string, std::optional<std::string>>*> entries;
  entries.reserve(w.pending.size());
  for (const auto& entry : w.pending) entries.push_back(&entry);
  std::sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
  rocksdb::WriteBatch out;
  for (const auto* e : entries) {
    if (e->second) out.Put(w.rows, e->first, *e->second);
    else out.Delete(w.rows, e->first);
  }
  out.Put(w.meta, checkpoint_key(w.view, w.generation), encode_u64(checkpoint_position));
  rocksdb::WriteOptions wo;
  // No write-ahead log: the views can be rebuilt, and with atomic flushes a crash
  // leaves them as of the last flush, rows and checkpoints together. The worker then
  // goes on from that checkpoint.
  wo.disableWAL = true;
  wo.memtable_insert_hint_per_batch = true;
  auto s = impl_->db->Write(wo, &out);
  if (!s.ok()) return std::unexpected(to_error(s, "writing a view batch"));
  w.pending.clear();
  w.holds.clear();
  w.writes = 0;
  return {};
}

Status ViewStore::dump(std::string_view view, std::uint64_t generation,
                       const std::function<bool(std::string_view, std::string_view)>& visit) const {
  return scan_rows(impl_->db, impl_->rows(), nullptr, row_prefix(view, generation), "", "", visit);
}

}  // namespace mailbox::projections
