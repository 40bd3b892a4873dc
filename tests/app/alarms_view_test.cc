// The alarms view's dead letters: each is forgotten once its alarm is delivered, in the
// batch that dead-lettered it or in any later one, whatever the batch size. (The view
// looks a dead letter up per alarm only while it holds some: ViewWriter::may_hold.)
#include <doctest/doctest.h>

#include <set>

#include "app/events.h"
#include "app/queries/alarms_projection.h"
#include "app/queries/rows.h"
#include "core/eventstore/event_store.h"
#include "core/projections/rebuild.h"
#include "tests/support/temp_dir.h"
#include "tests/support/view_dump.h"

using namespace mailbox;
using testing::TempDir;

namespace {

app::Alarmed alarmed(const std::string& alarm_id) {
  return {alarm_id, "m-" + alarm_id, "01099998888", app::AlarmKind::arrived, "log", 1};
}

app::AlarmDeadLettered dead(const std::string& alarm_id) {
  return {alarm_id, "m-" + alarm_id, "01099998888", app::AlarmKind::arrived, "webhook", "410 Gone", 3, 1};
}

void append(eventstore::EventStore& log, eventstore::NewEvent e) {
  REQUIRE(log.append("alarms", eventstore::ExpectedVersion::any(), {std::move(e)}).has_value());
}

// The alarm ids of the view's dead letters (its xa/ rows).
std::set<std::string> dead_letter_ids(const testing::Rows& rows) {
  std::set<std::string> ids;
  const std::string prefix(queries::row_keys::kDeadLetterOfPrefix);
  for (const auto& [key, value] : rows)
    if (key.starts_with(prefix)) ids.insert(key.substr(prefix.size()));
  return ids;
}

std::size_t dead_letter_entries(const testing::Rows& rows) {
  std::size_t n = 0;
  for (const auto& [key, value] : rows)
    if (key.starts_with(queries::row_keys::kDeadLetterPrefix)) ++n;
  return n;
}

}  // namespace

TEST_CASE("a dead letter leaves the alarms view once its alarm is delivered, in its own batch or a later one") {
  TempDir dir;
  auto log = eventstore::EventStore::open(dir.str() + "/log");
  REQUIRE(log.has_value());
  // Alarms before any dead letter, then dead letters delivered right after, later, or
  // never, and one dead-lettered twice before its delivery.
  for (int i = 0; i < 5; ++i) append(**log, app::to_new_event(alarmed("plain-" + std::to_string(i))));
  append(**log, app::to_new_event(dead("soon")));
  append(**log, app::to_new_event(alarmed("soon")));
  append(**log, app::to_new_event(dead("later")));
  append(**log, app::to_new_event(dead("never")));
  append(**log, app::to_new_event(dead("twice")));
  for (int i = 0; i < 5; ++i) append(**log, app::to_new_event(alarmed("more-" + std::to_string(i))));
  append(**log, app::to_new_event(dead("twice")));
  append(**log, app::to_new_event(alarmed("later")));
  append(**log, app::to_new_event(alarmed("twice")));
  append(**log, app::to_new_event(alarmed("last")));

  auto views = projections::ViewStore::open(dir.str() + "/views");
  REQUIRE(views.has_value());
  std::optional<testing::Rows> first;
  for (std::size_t batch : {1, 2, 3, 7, 1000}) {
    CAPTURE(batch);
    queries::AlarmsProjection projection;
    projections::WorkerOptions options;
    options.batch_events = batch;
    auto built = projections::build_generation(**log, **views, projection, (*log)->head(), options);
    REQUIRE(built.has_value());
    const auto rows = testing::dump(**views, projection.name(), built->generation);
    CHECK(dead_letter_ids(rows) == std::set<std::string>{"never"});
    CHECK(dead_letter_entries(rows) == 1);
    if (first) CHECK(rows == *first);  // the same rows, whatever the batches
    else first = rows;
    REQUIRE((*views)->drop(projection.name(), built->generation).has_value());
  }
}

TEST_CASE("may_hold: a prefix with no row is sure, one stored or put in the batch may hold rows") {
  TempDir dir;
  auto views = projections::ViewStore::open(dir.str());
  REQUIRE(views.has_value());
  auto batch = (*views)->writer("v", 1);
  CHECK(batch.may_hold("p/") == false);
  batch.put("q/1", "x");  // another prefix
  CHECK(batch.may_hold("p/") == false);
  batch.put("p/1", "x");
  CHECK(batch.may_hold("p/") == true);  // put in this batch, after the first answer
  REQUIRE((*views)->commit(batch, 1).has_value());
  CHECK(batch.may_hold("p") == true);  // stored
  CHECK(batch.may_hold("p/2") == false);
  CHECK(batch.may_hold("o") == false);
  batch.del("p/1");
  REQUIRE((*views)->commit(batch, 2).has_value());
  CHECK(batch.may_hold("p/") == false);  // gone once committed
  // Another generation's rows are not this one's (a new batch: the last one keeps its answer).
  auto other = (*views)->writer("v", 2);
  other.put("p/1", "x");
  REQUIRE((*views)->commit(other, 1).has_value());
  auto fresh = (*views)->writer("v", 1);
  CHECK(fresh.may_hold("p/") == false);
  auto of_other = (*views)->writer("v", 2);
  CHECK(of_other.may_hold("p/") == true);
}

TEST_CASE("may_hold steps over a bounded number of deleted rows, then answers maybe") {
  TempDir dir;
  auto views = projections::ViewStore::open(dir.str());
  REQUIRE(views.has_value());
  auto fill_and_delete = [&](const std::string& prefix, int n) {
    auto batch = (*views)->writer("v", 1);
    for (int i = 0; i < n; ++i) batch.put(prefix + std::to_string(i), "x");
    REQUIRE((*views)->commit(batch, 1).has_value());
    for (int i = 0; i < n; ++i) batch.del(prefix + std::to_string(i));
    REQUIRE((*views)->commit(batch, 2).has_value());
  };
  fill_and_delete("few/", 10);
  fill_and_delete("many/", 2000);
  auto batch = (*views)->writer("v", 1);
  CHECK(batch.may_hold("few/") == false);  // ten deleted rows stepped over: sure
  CHECK(batch.may_hold("many/") == true);  // past the bound: maybe (a lookup per key follows)
}
