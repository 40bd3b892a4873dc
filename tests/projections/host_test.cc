// Hosting a view: online rebuilds that are cancelled, generations left by a crash, and
// errors of the views' metadata.
#include <doctest/doctest.h>

#include <thread>

#include "core/eventstore/event_store.h"
#include "core/projections/projection_host.h"
#include "tests/projections/test_followers.h"
#include "tests/support/eventually.h"
#include "tests/support/events.h"
#include "tests/support/faulty_file_system.h"
#include "tests/support/temp_dir.h"
#include "tests/support/view_dump.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::eventually;

namespace {

void append_tests(eventstore::EventStore& log, int n) {
  for (int i = 0; i < n; ++i)
    REQUIRE(log.append("s", eventstore::ExpectedVersion::any(), {testing::event("Test", "p" + std::to_string(i))})
                .has_value());
}

}  // namespace

TEST_CASE("stop() cancels an online rebuild: it answers unavailable, leaves no rows behind, and starts no worker") {
  testing::TempDir dir;
  auto log = std::move(eventstore::EventStore::open(dir.sub("log")).value());
  auto views = std::move(projections::ViewStore::open(dir.sub("views")).value());
  testing::RowPerEvent projection;
  projections::WorkerOptions options;
  options.batch_events = 10;
  projections::ProjectionHost host(*log, *views, projection, options);
  append_tests(*log, 100);
  REQUIRE(host.start().has_value());
  REQUIRE(host.position().wait_for(100, 10s));

  // The rebuild gets one batch in, then is held inside the projection.
  std::atomic<int> batches{0};
  std::optional<projections::Result<projections::RebuildResult>> outcome;
  std::thread rebuild([&] {
    outcome = host.rebuild_online([&](std::uint64_t) {
      if (++batches == 1) projection.hold(true);
    });
  });
  REQUIRE(eventually([&] { return projection.waiting() == 1; }));
  host.stop();  // the rebuild's worker is held inside apply(): stop() must not wait for it
  projection.hold(false);
  rebuild.join();

  REQUIRE(outcome.has_value());
  REQUIRE_FALSE(outcome->has_value());
  CHECK(outcome->error().code == eventstore::Code::unavailable);
  // The new generation (2) is gone, the old one (1) still active and whole.
  CHECK(testing::dump(*views, projection.name(), 2).empty());
  CHECK(views->active_generation(projection.name()).value() == 1);
  CHECK(testing::dump(*views, projection.name(), 1).size() == 100);
  // No worker runs after stop(): the view does not move.
  append_tests(*log, 5);
  CHECK_FALSE(host.position().wait_for(105, 200ms));
}

TEST_CASE("opening the views drops what a rebuild interrupted by a crash left behind") {
  testing::TempDir dir;
  {
    auto views = std::move(projections::ViewStore::open(dir.sub("views")).value());
    for (std::uint64_t generation : {1u, 2u}) {  // 1 is active; 2 was being rebuilt
      auto batch = views->writer("rows", generation);
      batch.put("e/1", "one");
      batch.put("e/2", "two");
      REQUIRE(views->commit(batch, 2).has_value());
    }
    REQUIRE(views->new_generation("rows").value() == 2);
    // A generation that got a checkpoint but no rows, of another view.
    auto empty = views->writer("other", 5);
    REQUIRE(views->commit(empty, 9).has_value());
  }  // closed as a crash would leave it: generation 2 never activated
  auto views = std::move(projections::ViewStore::open(dir.sub("views")).value());
  CHECK(testing::dump(*views, "rows", 2).empty());
  CHECK(views->checkpoint("rows", 2).value() == 0);
  CHECK(views->checkpoint("other", 5).value() == 0);
  CHECK(testing::dump(*views, "rows", 1).size() == 2);
  CHECK(views->checkpoint("rows", 1).value() == 2);
  // A later rebuild does not reuse the number.
  CHECK(views->new_generation("rows").value() == 3);
}

TEST_CASE("a failed read of which generation is active is an error, never generation 1, and the host reports it") {
  testing::TempDir dir;
  auto [fs, env] = testing::FaultyFileSystem::make();
  auto log = std::move(eventstore::EventStore::open(dir.sub("log")).value());
  {
    auto views = std::move(projections::ViewStore::open(dir.sub("views")).value());
    REQUIRE(views->activate("rows", 7).has_value());
  }
  projections::ViewStoreOptions options;
  options.env = env.get();
  options.block_cache_bytes = 0;  // every read goes to the files
  auto views = std::move(projections::ViewStore::open(dir.sub("views"), options).value());
  fs->fail_table_reads(true);
  auto generation = views->active_generation("rows");
  REQUIRE_FALSE(generation.has_value());
  CHECK(generation.error().code == eventstore::Code::unavailable);

  testing::RowPerEvent projection;
  projections::ProjectionHost host(*log, *views, projection);
  CHECK_FALSE(host.start().has_value());
  REQUIRE(host.error().has_value());
  CHECK(host.error()->message.find("read failed") != std::string::npos);

  // Once reads work, the stored choice is found (nothing wrong was cached).
  fs->fail_table_reads(false);
  CHECK(views->active_generation("rows").value() == 7);
  CHECK(host.start().has_value());
  CHECK_FALSE(host.error().has_value());
}
