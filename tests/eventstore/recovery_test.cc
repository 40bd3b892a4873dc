#include <doctest/doctest.h>
#include <rocksdb/db.h>

#include "core/eventstore/event_store.h"
#include "tests/support/events.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::eventstore;
using mailbox::testing::events;
using mailbox::testing::TempDir;

TEST_CASE("reopening restores the head and stream versions, and appends continue after them") {
  TempDir dir;
  {
    auto store = std::move(EventStore::open(dir.str()).value());
    REQUIRE(store->append("a", ExpectedVersion::no_stream(), events(3)).has_value());
    REQUIRE(store->append("b", ExpectedVersion::no_stream(), events(2)).has_value());
  }
  auto store = std::move(EventStore::open(dir.str()).value());
  CHECK(store->head() == 5);
  CHECK(store->stream_version("a").value() == 3);
  auto stale = store->append("a", ExpectedVersion::no_stream(), events(1));
  REQUIRE_FALSE(stale.has_value());
  CHECK(stale.error().current_version == 3);
  auto next = store->append("a", ExpectedVersion::exactly(3), events(1));
  REQUIRE(next.has_value());
  CHECK(next->first_position == 6);
  CHECK(next->stream_version == 4);
}

TEST_CASE("a stream head evicted from the writer's cache is read back from disk") {
  TempDir dir;
  StoreOptions options;
  options.stream_head_cache_capacity = 2;
  auto store = std::move(EventStore::open(dir.str(), options).value());
  for (int i = 0; i < 10; ++i)
    REQUIRE(store->append("s" + std::to_string(i), ExpectedVersion::no_stream(), events(2)).has_value());
  auto again = store->append("s0", ExpectedVersion::exactly(2), events(1));
  REQUIRE(again.has_value());
  CHECK(again->stream_version == 3);
  auto stale = store->append("s1", ExpectedVersion::no_stream(), events(1));
  REQUIRE_FALSE(stale.has_value());
  CHECK(stale.error().current_version == 2);
}

TEST_CASE("a folder holding some other RocksDB database is refused, untouched") {
  TempDir dir;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, dir.str(), &raw).ok());
    REQUIRE(raw->Put(rocksdb::WriteOptions(), "key", "value").ok());
    delete raw;
  }
  auto store = EventStore::open(dir.str());
  REQUIRE_FALSE(store.has_value());
  CHECK(store.error().code == Code::invalid_argument);
  CHECK(store.error().message.find("not a mailbox log") != std::string::npos);

  std::vector<std::string> families;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.str(), &families).ok());
  CHECK(families.size() == 1);
}
