#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "core/eventstore/event_store.h"
#include "tests/support/eventually.h"
#include "tests/support/events.h"
#include "tests/support/faulty_file_system.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::eventstore;
using mailbox::testing::eventually;
using mailbox::testing::events;
using mailbox::testing::FaultyFileSystem;
using mailbox::testing::TempDir;


TEST_CASE("requests queued during a sync are committed together in the next batch") {
  TempDir dir;
  auto [fs, env] = FaultyFileSystem::make();
  StoreOptions options;
  options.env = env.get();
  auto store = std::move(EventStore::open(dir.str(), options).value());

  fs->hold_syncs();
  auto first = store->append_future({"first", ExpectedVersion::any(), events(1)});
  REQUIRE(eventually([&] { return fs->syncs_waiting() == 1; }));
  std::vector<std::future<Result<AppendResult>>> queued;
  for (int i = 0; i < 200; ++i)
    queued.push_back(store->append_future({"q" + std::to_string(i), ExpectedVersion::no_stream(), events(1)}));
  fs->release();

  CHECK(first.get().value().last_position == 1);
  for (auto& f : queued) CHECK(f.get().has_value());
  CHECK(store->head() == 201);
  const auto stats = store->writer_stats();
  CHECK(stats.batches == 2);
  CHECK(stats.events == 201);
}

TEST_CASE("no reader sees an event before its batch is durable") {
  TempDir dir;
  auto [fs, env] = FaultyFileSystem::make();
  StoreOptions options;
  options.env = env.get();
  auto store = std::move(EventStore::open(dir.str(), options).value());
  std::atomic<int> notified{0};
  auto sub = store->subscribe([&](std::uint64_t) { notified++; });

  fs->hold_syncs();
  auto pending = store->append_future({"s", ExpectedVersion::any(), events(3)});
  REQUIRE(eventually([&] { return fs->syncs_waiting() == 1; }));
  CHECK(store->head() == 0);
  CHECK(store->read_log(1, 10).value().empty());
  CHECK(store->read_stream("s", 1, 10).value().empty());
  CHECK_FALSE(store->wait_for(1, std::chrono::milliseconds(20)));
  CHECK(notified == 0);
  CHECK(pending.wait_for(std::chrono::milliseconds(0)) == std::future_status::timeout);

  fs->release();
  CHECK(pending.get().value().last_position == 3);
  CHECK(store->wait_for(3, std::chrono::seconds(5)));
  CHECK(notified == 1);
  CHECK(store->read_log(1, 10).value().size() == 3);
}

TEST_CASE("a request refused by its version check is refused alone, and its batch commits") {
  TempDir dir;
  auto [fs, env] = FaultyFileSystem::make();
  StoreOptions options;
  options.env = env.get();
  auto store = std::move(EventStore::open(dir.str(), options).value());

  fs->hold_syncs();
  auto first = store->append_future({"busy", ExpectedVersion::no_stream(), events(1)});
  REQUIRE(eventually([&] { return fs->syncs_waiting() == 1; }));
  std::vector<std::future<Result<AppendResult>>> queued;
  for (int i = 0; i < 200; ++i) {
    ExpectedVersion expected = i % 2 == 0 ? ExpectedVersion::exactly(100000) : ExpectedVersion::exactly(1 + i / 2);
    queued.push_back(store->append_future({"busy", expected, events(1)}));
  }
  fs->release();
  REQUIRE(first.get().has_value());
  for (int i = 0; i < 200; ++i) {
    auto r = queued[i].get();
    if (i % 2 == 0) {
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == Code::aborted);
      CHECK(r.error().current_version == 1 + i / 2);
    } else {
      REQUIRE(r.has_value());
      CHECK(r->stream_version == 2 + i / 2);
    }
  }
  CHECK(store->stream_version("busy").value() == 101);
  CHECK(store->head() == 101);
  CHECK(store->writer_stats().batches == 2);
}
