// The views database's memory bound: its memtables are flushed by the time they hold
// kViewsMemtableBudgetBytes of rows, and not long before: the budget goes to the rows.
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
