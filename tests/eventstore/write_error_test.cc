#include <doctest/doctest.h>

#include "core/eventstore/event_store.h"
#include "tests/support/events.h"
#include "tests/support/faulty_file_system.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::eventstore;
using mailbox::testing::events;
using mailbox::testing::FaultyFileSystem;
using mailbox::testing::TempDir;

TEST_CASE("a failed storage write fails the append clearly and leaves the store readable") {
  TempDir dir;
  auto [fs, env] = FaultyFileSystem::make();
  StoreOptions options;
  options.env = env.get();
  {
    auto store = std::move(EventStore::open(dir.str(), options).value());
    REQUIRE(store->append("s", ExpectedVersion::no_stream(), events(1)).has_value());

    fs->fail_wal_writes(true);
    auto failed = store->append("s", ExpectedVersion::exactly(1), events(2));
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().code == Code::unavailable);
    CHECK(failed.error().message.find("storage write failed") != std::string::npos);
    CHECK(failed.error().message.find("injected") != std::string::npos);
    CHECK(failed.error().reason == "storage_failed");

    // Reads still answer, and show nothing of the failed append.
    CHECK(store->head() == 1);
    CHECK(store->read_log(1, 10).value().size() == 1);
    CHECK(store->stream_version("s").value() == 1);

    // The writer thread is alive and answers every later append with a clear refusal.
    fs->fail_wal_writes(false);
    auto later = store->append("t", ExpectedVersion::any(), events(1));
    REQUIRE_FALSE(later.has_value());
    CHECK(later.error().code == Code::unavailable);
    CHECK(later.error().message.find("reopened") != std::string::npos);
  }
  // Reopened, the log is consistent and takes appends again.
  auto store = std::move(EventStore::open(dir.str()).value());
  CHECK(store->head() == 1);
  CHECK(store->read_log(1, 10).value().size() == 1);
  auto again = store->append("s", ExpectedVersion::exactly(1), events(2));
  REQUIRE(again.has_value());
  CHECK(again->first_position == 2);
  CHECK(again->stream_version == 3);
}

TEST_CASE("a store opened read-only refuses appends and still reads") {
  TempDir dir;
  {
    auto store = std::move(EventStore::open(dir.str()).value());
    REQUIRE(store->append("s", ExpectedVersion::any(), events(2)).has_value());
  }
  StoreOptions ro;
  ro.read_only = true;
  auto store = std::move(EventStore::open(dir.str(), ro).value());
  auto r = store->append("s", ExpectedVersion::any(), events(1));
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error().code == Code::unavailable);
  CHECK(store->head() == 2);
  CHECK(store->read_log(1, 10).value().size() == 2);
}
