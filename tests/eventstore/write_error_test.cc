#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "core/eventstore/event_store.h"
#include "tests/support/events.h"
#include "tests/support/eventually.h"
#include "tests/support/faulty_file_system.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::eventstore;
using mailbox::testing::events;
using mailbox::testing::eventually;
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

TEST_CASE("a full disk refuses appends with disk_full, and once there is room the store takes them again by itself") {
  TempDir dir;
  auto [fs, env] = FaultyFileSystem::make();
  StoreOptions options;
  options.env = env.get();
  std::atomic<int> recoveries{0};
  options.on_recovery = [&] { ++recoveries; };
  {
    auto store = std::move(EventStore::open(dir.str(), options).value());
    REQUIRE(store->append("s", ExpectedVersion::no_stream(), events(1)).has_value());

    fs->fill_disk(true);
    auto failed = store->append("s", ExpectedVersion::exactly(1), events(2));
    REQUIRE_FALSE(failed.has_value());
    CHECK(failed.error().code == Code::unavailable);
    CHECK(failed.error().reason == "disk_full");
    REQUIRE(store->failure().has_value());
    CHECK(store->failure()->reason == "disk_full");
    // Refused at once while the disk stays full; reads go on.
    auto again = store->append("t", ExpectedVersion::any(), events(1));
    REQUIRE_FALSE(again.has_value());
    CHECK(again.error().reason == "disk_full");
    CHECK(store->head() == 1);
    CHECK(store->read_log(1, 10).value().size() == 1);
    // Still full a while later: the writer's tries to resume fail, and it stays disk_full.
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    CHECK(store->failure().has_value());
    CHECK(recoveries == 0);

    // Room again: the writer resumes by itself, with no append asking it to.
    fs->fill_disk(false);
    REQUIRE_MESSAGE(eventually([&] { return !store->failure().has_value(); }, std::chrono::seconds(10)),
                    "the store did not take appends again");
    CHECK(recoveries == 1);
    auto later = store->append("s", ExpectedVersion::exactly(1), events(2));
    REQUIRE(later.has_value());
    CHECK(later->first_position == 2);  // nothing of the refused appends took a position
    CHECK(later->stream_version == 3);
  }
  // Reopened: what was acknowledged, nothing else.
  auto store = std::move(EventStore::open(dir.str()).value());
  CHECK(store->head() == 3);
  CHECK(store->stream_version("s").value() == 3);
  CHECK(store->stream_version("t").value() == 0);
}

TEST_CASE("a full disk that cannot be resumed turns into storage_failed, and a reopen works") {
  TempDir dir;
  auto [fs, env] = FaultyFileSystem::make();
  StoreOptions options;
  options.env = env.get();
  {
    auto store = std::move(EventStore::open(dir.str(), options).value());
    REQUIRE(store->append("s", ExpectedVersion::no_stream(), events(1)).has_value());
    fs->fill_disk(true);
    REQUIRE_FALSE(store->append("s", ExpectedVersion::exactly(1), events(1)).has_value());
    CHECK(store->failure()->reason == "disk_full");
    // Room again, but the resume's flush meets an I/O error: for good.
    fs->fail_table_writes(true);
    fs->fill_disk(false);
    REQUIRE_MESSAGE(eventually([&] { return store->failure() && store->failure()->reason == "storage_failed"; },
                               std::chrono::seconds(10)),
                    "the failed resume was not reported");
    CHECK(store->failure()->message.find("reopened") != std::string::npos);
    auto refused = store->append("s", ExpectedVersion::exactly(1), events(1));
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().reason == "storage_failed");
    fs->fail_table_writes(false);
  }
  auto store = std::move(EventStore::open(dir.str(), options).value());
  CHECK(store->head() == 1);
  auto later = store->append("s", ExpectedVersion::exactly(1), events(1));
  REQUIRE(later.has_value());
  CHECK(later->first_position == 2);
}

TEST_CASE("a store whose first append meets a full disk takes appends again once there is room") {
  TempDir dir;
  auto [fs, env] = FaultyFileSystem::make();
  StoreOptions options;
  options.env = env.get();
  {
    auto store = std::move(EventStore::open(dir.str(), options).value());
    REQUIRE(store->append("s", ExpectedVersion::no_stream(), events(1)).has_value());
  }
  // Reopened: the memtables are empty, and the first write to the new write-ahead log fails.
  auto store = std::move(EventStore::open(dir.str(), options).value());
  fs->fill_disk(true);
  auto failed = store->append("s", ExpectedVersion::exactly(1), events(1));
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().reason == "disk_full");
  fs->fill_disk(false);
  REQUIRE_MESSAGE(eventually([&] { return !store->failure().has_value(); }, std::chrono::seconds(10)),
                  "the store did not take appends again");
  for (int i = 0; i < 3; ++i) {
    auto later = store->append("s", ExpectedVersion::exactly(1 + i), events(1));
    REQUIRE(later.has_value());
    CHECK(later->first_position == static_cast<std::uint64_t>(2 + i));
  }
}
