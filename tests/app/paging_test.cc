#include <doctest/doctest.h>

#include <set>

#include "app/engine.h"
#include "app/queries/readmails_projection.h"
#include "app/queries/readmails_query.h"
#include "app/queries/rows.h"
#include "app/queries/sentmails_projection.h"
#include "app/queries/sentmails_query.h"
#include "core/projections/view_store.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using namespace std::chrono_literals;

namespace {
struct Fixture : testing::EngineFixture {
  std::uint64_t send(const std::string& sender, const std::string& receiver, const std::string& text) {
    return EngineFixture::send(sender, receiver, text).position;
  }
};
}  // namespace

TEST_CASE("pages of a mailbox are newest first, and cursors stay stable while new mail arrives") {
  Fixture f;
  std::uint64_t last = 0;
  for (int i = 0; i < 25; ++i) last = f.send("01012345678", "01099998888", "mail " + std::to_string(i));
  REQUIRE(f.engine->wait_visible("readmails", last, 5s));

  auto first = f.engine->readmails().for_receiver("01099998888", 10, "").value();
  REQUIRE(first.items.size() == 10);
  CHECK(first.items[0].text == "mail 24");
  CHECK(first.items[9].text == "mail 15");
  REQUIRE(first.next_cursor.has_value());

  // New mail arrives between pages: the next page continues where the first ended.
  for (int i = 25; i < 30; ++i) last = f.send("01012345678", "01099998888", "mail " + std::to_string(i));
  REQUIRE(f.engine->wait_visible("readmails", last, 5s));

  std::vector<std::string> rest;
  std::optional<std::string> cursor = first.next_cursor;
  while (cursor) {
    auto page = f.engine->readmails().for_receiver("01099998888", 10, *cursor).value();
    for (const auto& m : page.items) rest.push_back(m.text);
    cursor = page.next_cursor;
  }
  REQUIRE(rest.size() == 15);
  CHECK(rest.front() == "mail 14");
  CHECK(rest.back() == "mail 0");

  auto newest = f.engine->readmails().for_receiver("01099998888", 1, "").value();
  CHECK(newest.items[0].text == "mail 29");
}

TEST_CASE("a receiver's page holds only their mail, however much others receive") {
  Fixture f;
  std::uint64_t last = 0;
  for (int i = 0; i < 600; ++i) {
    last = f.send("01012345678", "0102000" + std::to_string(1000 + i % 50), "other " + std::to_string(i));
    if (i % 200 == 0) f.send("01012345678", "01099998888", "mine " + std::to_string(i));
  }
  REQUIRE(f.engine->wait_visible("readmails", last, 10s));
  auto page = f.engine->readmails().for_receiver("01099998888", 100, "").value();
  REQUIRE(page.items.size() == 3);
  for (const auto& m : page.items) CHECK(m.receiver == "01099998888");
  CHECK_FALSE(page.next_cursor.has_value());
  CHECK(f.engine->readmails().unread_count("01099998888").value() == 3);
  CHECK(f.engine->readmails().for_receiver("01000000000", 10, "").value().items.empty());

  // The latest mail across all receivers pages through every message once.
  std::set<std::string> ids;
  std::optional<std::string> cursor = std::string();
  while (cursor) {
    auto p = f.engine->readmails().latest(100, *cursor).value();
    for (const auto& m : p.items) CHECK(ids.insert(m.id).second);
    cursor = p.next_cursor;
  }
  CHECK(ids.size() == 603);
}

TEST_CASE("paging arguments are checked") {
  Fixture f;
  auto zero = f.engine->readmails().for_receiver("01099998888", 0, "");
  REQUIRE_FALSE(zero.has_value());
  CHECK(zero.error().field == "limit");
  CHECK_FALSE(f.engine->readmails().latest(101, "").has_value());
  auto junk = f.engine->alarms().for_phone("01099998888", 10, "12abc");
  REQUIRE_FALSE(junk.has_value());
  CHECK(junk.error().field == "cursor");
}

TEST_CASE("an index entry whose message row is missing or does not decode is corruption, named by the id") {
  testing::TempDir dir;
  auto views = projections::ViewStore::open(dir.sub("views")).value();
  for (std::string_view view : {queries::ReadmailsProjection::kName, queries::SentmailsProjection::kName}) {
    auto generation = views->new_generation(view).value();
    auto batch = views->writer(view, generation);
    batch.put(queries::row_keys::receiver_entry("01099998888", 7), "m-missing");
    batch.put(queries::row_keys::receiver_entry("01099997777", 8), "m-garbled");
    batch.put(queries::row_keys::sender_entry("01012345678", 7), "m-missing");
    batch.put(queries::row_keys::sender_entry("01012347777", 8), "m-garbled");
    batch.put(queries::row_keys::message("m-garbled"), "not a row");
    REQUIRE(views->commit(batch, 8).has_value());
    REQUIRE(views->activate(view, generation).has_value());
  }
  auto expect = [](const auto& page, const std::string& words) {
    REQUIRE_FALSE(page.has_value());
    CHECK(page.error().code == eventstore::Code::corruption);
    CHECK_MESSAGE(page.error().message.find(words) != std::string::npos, page.error().message);
  };
  queries::ReadmailsQuery readmails(*views);
  expect(readmails.for_receiver("01099998888", 10, ""), "index names message m-missing without a row");
  expect(readmails.for_receiver("01099997777", 10, ""), "mail row of m-garbled does not decode");
  queries::SentmailsQuery sentmails(*views);
  expect(sentmails.for_sender("01012345678", 10, ""), "index names message m-missing without a row");
  expect(sentmails.for_sender("01012347777", 10, ""), "sent row of m-garbled does not decode");
}
