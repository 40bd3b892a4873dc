// The projection worker on its own: batches, transient failures of the views database,
// and errors that halt it.
#include <doctest/doctest.h>

#include "core/eventstore/event_store.h"
#include "core/projections/projection_worker.h"
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

projections::WorkerOptions quick() {
  projections::WorkerOptions o;
  o.batch_events = 50;
  o.first_retry = 2ms;
  o.max_retry = 20ms;
  return o;
}

void append_tests(eventstore::EventStore& log, int n, std::size_t payload_bytes = 16) {
  for (int i = 0; i < n; ++i)
    REQUIRE(log.append("s", eventstore::ExpectedVersion::any(), {testing::event("Test", std::string(payload_bytes, 'x'))})
                .has_value());
}

}  // namespace

TEST_CASE("a view whose database refuses writes reports the error, retries, and goes on by itself once they succeed") {
  testing::TempDir dir;
  auto [fs, env] = testing::FaultyFileSystem::make();
  auto log = std::move(eventstore::EventStore::open(dir.sub("log")).value());
  projections::ViewStoreOptions view_options;
  view_options.env = env.get();
  view_options.memtable_budget_bytes = 256 << 10;  // flushes come soon
  auto views = std::move(projections::ViewStore::open(dir.sub("views"), view_options).value());
  testing::RowPerEvent projection;
  projections::ProjectionWorker worker(*log, *views, projection, 1, quick());
  std::atomic<int> changes{0};
  worker.state().set_listener([&](const auto&) { ++changes; });
  REQUIRE(worker.start().has_value());

  append_tests(*log, 20, 4096);
  REQUIRE(eventually([&] { return worker.position() == log->head(); }));

  // Flushes fail: the views database stops taking writes.
  fs->fail_table_writes(true, true);
  REQUIRE_MESSAGE(eventually([&] {
                    append_tests(*log, 5, 16 << 10);
                    return worker.state().error().has_value();
                  }),
                  "the view never saw a failed write");
  const auto error = worker.state().error();
  CHECK(error->code == eventstore::Code::unavailable);
  REQUIRE(eventually([&] { return worker.retries() >= 6; }));
  CHECK(worker.position() < log->head());
  // Told when it got stuck (and when a retry got through meanwhile), not at every retry.
  CHECK(changes < static_cast<int>(worker.retries()) / 2);

  // The disk has room again: the worker resumes the database and catches up.
  fs->fail_table_writes(false);
  REQUIRE_MESSAGE(eventually([&] { return !worker.state().error() && worker.position() == log->head(); }),
                  "the view did not come back: " << (worker.state().error() ? worker.state().error()->message : std::string("no error")));
  CHECK(changes % 2 == 0);  // every "stuck" was followed by a "well again"
  worker.stop();
  const auto rows = testing::dump(*views, projection.name(), 1);
  CHECK(rows.size() == log->head());
}

TEST_CASE("a worker halts for good on an error that is not transient, reports it, and skips nothing") {
  testing::TempDir dir;
  auto log = std::move(eventstore::EventStore::open(dir.sub("log")).value());
  auto views = std::move(projections::ViewStore::open(dir.sub("views")).value());
  testing::RowPerEvent projection;
  projection.fail_at = 7;
  append_tests(*log, 10);
  projections::ProjectionWorker worker(*log, *views, projection, 1, quick());
  REQUIRE(worker.start().has_value());
  REQUIRE(eventually([&] { return worker.state().error().has_value(); }));
  const auto error = *worker.state().error();
  CHECK(error.code == eventstore::Code::corruption);
  CHECK(error.message.find("position 7") != std::string::npos);
  // Nothing of the batch holding position 7 was written, and nothing moves on.
  append_tests(*log, 5);
  CHECK(worker.position() == 0);
  CHECK(worker.retries() == 0);
  CHECK(testing::dump(*views, projection.name(), 1).empty());
  CHECK(views->checkpoint(projection.name(), 1).value() == 0);
}
