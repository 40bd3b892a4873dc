// The sentmails view holds one row per message: that of its first Sent, whether the
// view looked it up (a Sent anywhere but first in its message's stream) or not.
#include <doctest/doctest.h>

#include "app/events.h"
#include "app/queries/rows.h"
#include "app/queries/sentmails_projection.h"
#include "core/eventstore/event_store.h"
#include "core/projections/rebuild.h"
#include "tests/support/temp_dir.h"
#include "tests/support/view_dump.h"

using namespace mailbox;

TEST_CASE("a message's second Sent, in its own stream or another, changes nothing in the sentmails view") {
  testing::TempDir dir;
  auto log = eventstore::EventStore::open(dir.str() + "/log");
  REQUIRE(log.has_value());
  auto sent = [](const std::string& text) {
    return app::to_new_event(app::Sent{"m-1", "01012345678", "01099998888", text, 1, ""});
  };
  auto first = (*log)->append(app::message_stream("m-1"), eventstore::ExpectedVersion::no_stream(), {sent("first")});
  REQUIRE(first.has_value());
  REQUIRE((*log)->append(app::message_stream("m-1"), eventstore::ExpectedVersion::any(), {sent("again, v2")}).has_value());
  REQUIRE((*log)->append("elsewhere", eventstore::ExpectedVersion::any(), {sent("again, elsewhere")}).has_value());
  REQUIRE((*log)->append("elsewhere", eventstore::ExpectedVersion::any(),
                         {app::to_new_event(app::Sent{"m-2", "01012345678", "01099998888", "only elsewhere", 2, ""})})
              .has_value());

  auto views = projections::ViewStore::open(dir.str() + "/views");
  REQUIRE(views.has_value());
  queries::SentmailsProjection projection;
  for (std::size_t batch : {1, 1000}) {
    CAPTURE(batch);
    projections::WorkerOptions options;
    options.batch_events = batch;
    auto built = projections::build_generation(**log, **views, projection, (*log)->head(), options);
    REQUIRE(built.has_value());
    std::vector<queries::SentRow> rows;
    std::size_t sender_entries = 0;
    for (const auto& [key, value] : testing::dump(**views, projection.name(), built->generation)) {
      if (key.starts_with("m/")) rows.push_back(queries::decode_sent(value).value());
      if (key.starts_with(queries::row_keys::sender_prefix("01012345678"))) ++sender_entries;
    }
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].id == "m-1");
    CHECK(rows[0].text == "first");
    CHECK(rows[0].position == first->first_position);
    CHECK(rows[1].text == "only elsewhere");
    CHECK(sender_entries == 2);
    REQUIRE((*views)->drop(projection.name(), built->generation).has_value());
  }
}
