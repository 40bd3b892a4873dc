// The views database: its memory bound (memtables are flushed by the time they hold
// kViewsMemtableBudgetBytes of rows, and not long before: the budget goes to the rows),
// and a reader's batched lookups.
#include <doctest/doctest.h>

#include <filesystem>
#include <string>

#include "core/projections/view_store.h"
#include "tests/support/eventually.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;

namespace {

std::size_t table_files(const std::string& folder) {
  std::size_t n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder))
    if (entry.path().extension() == ".sst") ++n;
  return n;
}

// Commits rows of 1 KB (keys spread like a view's) until `bytes` of values are written.
void write_rows(projections::ViewStore& views, std::size_t& written, std::size_t bytes) {
  const std::string value(1024, 'v');
  while (written < bytes) {
    auto batch = views.writer("test", 1);
    for (int i = 0; i < 256; ++i, written += value.size())
      batch.put("row-" + std::to_string((written * 2654435761u) % 1000003) + "-" + std::to_string(written), value);
    REQUIRE(views.commit(batch, written).has_value());
  }
}

}  // namespace

TEST_CASE("the views' memtables hold 45 MB of rows without a flush, and are flushed before 64 MB") {
  REQUIRE(projections::kViewsMemtableBudgetBytes == 64u << 20);
  testing::TempDir dir;
  auto views = std::move(projections::ViewStore::open(dir.sub("views")).value());
  REQUIRE(table_files(dir.sub("views")) == 0);

  // Under the budget (RocksDB flushes at 7/8 of it, and the rows' memtable bloom filter
  // takes 3.2 MB of it): everything stays in memory; the first flush comes after about
  // 49 MB. This fails with a 32 MB budget, and when the default and meta families have
  // memtable bloom filters too (their 6.4 MB brought the flush to about 42 MB).
  std::size_t written = 0;
  write_rows(*views, written, 45u << 20);
  CHECK_MESSAGE(table_files(dir.sub("views")) == 0, "the views flushed under their memtable budget");

  // Up to the budget's worth of rows: a flush writes them out, and every row still reads back.
  write_rows(*views, written, 64u << 20);
  REQUIRE_MESSAGE(testing::eventually([&] { return table_files(dir.sub("views")) > 0; }),
                  "the views' memtables passed their budget and were not flushed");
  auto reader = views->reader("test", 1);
  std::size_t bytes = 0;
  REQUIRE(reader.scan("row-", "", [&](std::string_view, std::string_view v) {
    bytes += v.size();
    return true;
  }).has_value());
  CHECK(bytes == written);
  CHECK(views->checkpoint("test", 1).value() == written);
}

TEST_CASE("get_many answers each key's row in the order asked, none where missing, at the reader's snapshot") {
  testing::TempDir dir;
  auto views = projections::ViewStore::open(dir.sub("views")).value();
  auto generation = views->new_generation("test").value();
  auto batch = views->writer("test", generation);
  batch.put("a", "1");
  batch.put("c", "3");
  REQUIRE(views->commit(batch, 1).has_value());
  REQUIRE(views->activate("test", generation).has_value());
  // A row of another view (of the same generation number) is not this view's.
  auto other = views->writer("other", generation);
  other.put("x", "other's");
  REQUIRE(views->commit(other, 1).has_value());

  auto reader = views->reader("test").value();
  auto later = views->writer("test", generation);  // after the snapshot: unseen
  later.put("b", "2");
  later.put("a", "changed");
  REQUIRE(views->commit(later, 2).has_value());

  auto rows = reader.get_many({"c", "b", "a", "c", "zz"}).value();
  REQUIRE(rows.size() == 5);
  CHECK(rows[0] == std::optional<std::string>("3"));
  CHECK(rows[1] == std::nullopt);
  CHECK(rows[2] == std::optional<std::string>("1"));
  CHECK(rows[3] == std::optional<std::string>("3"));
  CHECK(rows[4] == std::nullopt);
  CHECK(reader.get_many({}).value().empty());
  CHECK(reader.get_many({"x"}).value().front() == std::nullopt);

  auto fresh = views->reader("test").value();
  auto now = fresh.get_many({"a", "b"}).value();
  CHECK(now[0] == std::optional<std::string>("changed"));
  CHECK(now[1] == std::optional<std::string>("2"));
}
