#include "core/projections/view_store.h"

#include <rocksdb/db.h>
#include <rocksdb/table.h>
#include <rocksdb/filter_policy.h>
#include <rocksdb/write_batch.h>
#include <rocksdb/write_buffer_manager.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "core/eventstore/keys.h"

namespace mailbox::projections {

namespace keys = eventstore::keys;
using namespace std::string_literals;

namespace {

Error to_error(const rocksdb::Status& s, std::string_view doing) {
  Code code = s.IsCorruption() ? Code::corruption : s.IsIOError() || s.IsBusy() ? Code::unavailable : Code::internal;
  return Error{code, std::string(doing) + ": " + s.ToString(), std::nullopt};
}

// Rows of a generation: view name, NUL, generation (u64 BE), then the row's key.
std::string row_prefix(std::string_view view, std::uint64_t generation) {
  std::string p(view);
  p.push_back('\0');
  keys::append_u64(p, generation);
  return p;
}

// The smallest key greater than every key starting with prefix.
std::string prefix_end(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (!prefix.empty()) prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

std::string active_key(std::string_view view) { return "active\0"s + std::string(view); }
std::string last_generation_key(std::string_view view) { return "generations\0"s + std::string(view); }
std::string checkpoint_key(std::string_view view, std::uint64_t generation) {
  std::string k = "checkpoint\0"s + std::string(view);
  k.push_back('\0');
  keys::append_u64(k, generation);
  return k;
}

Status scan_rows(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, const rocksdb::Snapshot* snapshot,
                 const std::string& base, std::string_view prefix, std::string_view after,
                 const std::function<bool(std::string_view, std::string_view)>& visit) {
  const std::string full_prefix = base + std::string(prefix);
  const std::string end = prefix_end(full_prefix);
  rocksdb::Slice end_slice(end);
  rocksdb::ReadOptions ro;
  ro.snapshot = snapshot;
  if (!end.empty()) ro.iterate_upper_bound = &end_slice;
  std::unique_ptr<rocksdb::Iterator> it(db->NewIterator(ro, cf));
  const std::string start = after.empty() ? full_prefix : base + std::string(after);
  it->Seek(start);
  if (!after.empty() && it->Valid() && it->key() == rocksdb::Slice(start)) it->Next();
  for (; it->Valid(); it->Next()) {
    const std::string_view key(it->key().data() + base.size(), it->key().size() - base.size());
    if (!visit(key, std::string_view(it->value().data(), it->value().size()))) break;
  }
  if (!it->status().ok()) return std::unexpected(to_error(it->status(), "scanning a view"));
  return {};
}

}  // namespace

struct ViewStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;  // default, rows, meta
  rocksdb::ColumnFamilyHandle* rows() const { return handles[1]; }
  rocksdb::ColumnFamilyHandle* meta() const { return handles[2]; }
  bool read_only = false;
  std::string secondary_path;
  mutable std::shared_mutex mutex;  // guards active, and orders generation changes
  mutable std::map<std::string, std::uint64_t, std::less<>> active;

  Result<std::optional<std::uint64_t>> read_meta(const std::string& key) const {
    std::string value;
    auto s = db->Get(rocksdb::ReadOptions(), meta(), key, &value);
    if (s.IsNotFound()) return std::optional<std::uint64_t>{};
    if (!s.ok()) return std::unexpected(to_error(s, "reading view metadata"));
    auto v = keys::decode_u64(value);
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
  impl_->pending.insert_or_assign(impl_->base + std::string(key), std::string(value));
  ++impl_->writes;
}

void ViewWriter::del(std::string_view key) {
  impl_->pending.insert_or_assign(impl_->base + std::string(key), std::nullopt);
  ++impl_->writes;
}

std::size_t ViewWriter::count() const { return impl_->writes; }

ViewStore::ViewStore() : impl_(std::make_unique<Impl>()) {}

ViewStore::~ViewStore() {
  if (impl_->db) {
    for (auto* h : impl_->handles) impl_->db->DestroyColumnFamilyHandle(h);
    impl_->db->Close();
  }
  if (!impl_->secondary_path.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(impl_->secondary_path, ec);
  }
}

bool ViewStore::read_only() const { return impl_->read_only; }

namespace {
Status refuse_read_only() { return eventstore::fail(Code::unavailable, "the views are open read-only"); }
}  // namespace

Result<std::unique_ptr<ViewStore>> ViewStore::open(const std::string& path, const ViewStoreOptions& options) {
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = options.create_if_missing && !options.read_only;
  db_options.create_missing_column_families = db_options.create_if_missing;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 5;
  db_options.atomic_flush = true;  // rows and checkpoints reach disk together (see commit)
  db_options.write_buffer_manager = std::make_shared<rocksdb::WriteBufferManager>(options.memtable_budget_bytes);
  if (options.env) db_options.env = options.env;

  std::vector<std::string> existing;
  const bool exists = rocksdb::DB::ListColumnFamilies(db_options, path, &existing).ok();
  if (exists && std::find(existing.begin(), existing.end(), "rows") == existing.end())
    return eventstore::fail(Code::invalid_argument, "'" + path + "' holds a database that is not a mailbox view store");
  if (!exists && !db_options.create_if_missing)
    return eventstore::fail(Code::not_found, "no mailbox views at '" + path + "'");

  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));  // most row lookups while applying miss
  rocksdb::ColumnFamilyOptions cf;
  cf.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  cf.compression = rocksdb::kLZ4Compression;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, cf}, {"rows", cf}, {"meta", cf}};

  std::unique_ptr<ViewStore> store(new ViewStore());
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (options.read_only) {
    db_options.max_open_files = -1;  // required of a secondary instance
    std::string pattern = (std::filesystem::temp_directory_path() / "mailbox-views-secondary-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) return eventstore::fail(Code::unavailable, "cannot make a temp folder");
    store->impl_->secondary_path = pattern;
    store->impl_->read_only = true;
    s = rocksdb::DB::OpenAsSecondary(db_options, path, pattern, families, &store->impl_->handles, &raw);
  } else {
    s = rocksdb::DB::Open(db_options, path, families, &store->impl_->handles, &raw);
  }
  if (!s.ok()) {
    if (s.ToString().find("lock") != std::string::npos)
      return eventstore::fail(Code::unavailable, "the views at '" + path + "' are in use by another process: " + s.ToString());
    return std::unexpected(to_error(s, "opening the views at '" + path + "'"));
  }
  store->impl_->db.reset(raw);
  return store;
}

std::uint64_t ViewStore::active_generation(std::string_view view) const {
  {
    std::shared_lock lock(impl_->mutex);
    if (auto it = impl_->active.find(view); it != impl_->active.end()) return it->second;
  }
  std::unique_lock lock(impl_->mutex);
  auto stored = impl_->read_meta(active_key(view));
  const std::uint64_t generation = stored && *stored ? **stored : 1;
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
  std::uint64_t active = 1;
  if (auto a = impl_->read_meta(active_key(view)); a && *a) active = **a;
  const std::uint64_t next = std::max(last->value_or(1), active) + 1;
  auto s = impl_->db->Put(rocksdb::WriteOptions(), impl_->meta(), last_generation_key(view), keys::encode_u64(next));
  if (!s.ok()) return std::unexpected(to_error(s, "allocating a view generation"));
  return next;
}

Status ViewStore::activate(std::string_view view, std::uint64_t generation) {
  if (impl_->read_only) return refuse_read_only();
  std::unique_lock lock(impl_->mutex);
  // Rows of the generation must be on disk before the switch to it is.
  rocksdb::FlushOptions flush;
  if (auto s = impl_->db->Flush(flush, impl_->handles); !s.ok())
    return std::unexpected(to_error(s, "flushing a view generation"));
  rocksdb::WriteOptions wo;
  wo.sync = true;
  auto s = impl_->db->Put(wo, impl_->meta(), active_key(view), keys::encode_u64(generation));
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

ViewReader ViewStore::reader(std::string_view view) const { return reader(view, active_generation(view)); }

ViewReader ViewStore::reader(std::string_view view, std::uint64_t generation) const {
  auto impl = std::make_unique<ViewReader::Impl>();
  impl->db = impl_->db.get();
  impl->cf = impl_->rows();
  impl->snapshot = impl_->db->GetSnapshot();
  impl->base = row_prefix(view, generation);
  return ViewReader(std::move(impl));
}

ViewWriter ViewStore::writer(std::string_view view, std::uint64_t generation) {
  auto impl = std::make_unique<ViewWriter::Impl>();
  impl->db = impl_->db.get();
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
  out.Put(w.meta, checkpoint_key(w.view, w.generation), keys::encode_u64(checkpoint_position));
  rocksdb::WriteOptions wo;
  // No write-ahead log: the views can be rebuilt, and with atomic flushes a crash
  // leaves them as of the last flush, rows and checkpoints together. The worker then
  // goes on from that checkpoint.
  wo.disableWAL = true;
  wo.memtable_insert_hint_per_batch = true;
  auto s = impl_->db->Write(wo, &out);
  if (!s.ok()) return std::unexpected(to_error(s, "writing a view batch"));
  w.pending.clear();
  w.writes = 0;
  return {};
}

Status ViewStore::dump(std::string_view view, std::uint64_t generation,
                       const std::function<bool(std::string_view, std::string_view)>& visit) const {
  return scan_rows(impl_->db.get(), impl_->rows(), nullptr, row_prefix(view, generation), "", "", visit);
}

}  // namespace mailbox::projections
