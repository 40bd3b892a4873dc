#include <doctest/doctest.h>

#include "core/eventstore/event_store.h"
#include "tests/support/events.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::eventstore;
using mailbox::testing::event;
using mailbox::testing::events;
using mailbox::testing::TempDir;

namespace {
std::unique_ptr<EventStore> open_store(const TempDir& dir) {
  auto store = EventStore::open(dir.str());
  REQUIRE(store.has_value());
  return std::move(*store);
}
}  // namespace

TEST_CASE("an empty store has head 0 and no streams") {
  TempDir dir;
  auto store = open_store(dir);
  CHECK(store->head() == 0);
  CHECK(store->stream_version("nothing").value() == 0);
  CHECK(store->read_log(1, 10).value().empty());
  CHECK(store->read_stream("nothing", 1, 10).value().empty());
}

TEST_CASE("appends get gapless positions and stream versions") {
  TempDir dir;
  auto store = open_store(dir);
  auto a = store->append("a", ExpectedVersion::no_stream(), events(3));
  REQUIRE(a.has_value());
  CHECK(a->first_position == 1);
  CHECK(a->last_position == 3);
  CHECK(a->stream_version == 3);
  CHECK_FALSE(a->duplicate);

  auto b = store->append("b", ExpectedVersion::any(), events(1));
  REQUIRE(b.has_value());
  CHECK(b->first_position == 4);
  CHECK(b->stream_version == 1);

  auto a2 = store->append("a", ExpectedVersion::exactly(3), events(2));
  REQUIRE(a2.has_value());
  CHECK(a2->first_position == 5);
  CHECK(a2->last_position == 6);
  CHECK(a2->stream_version == 5);

  CHECK(store->head() == 6);
  CHECK(store->stream_version("a").value() == 5);
  auto log = store->read_log(1, 100).value();
  REQUIRE(log.size() == 6);
  for (std::size_t i = 0; i < log.size(); ++i) CHECK(log[i].position == i + 1);
  CHECK(log[3].stream == "b");
  auto stream = store->read_stream("a", 1, 100).value();
  REQUIRE(stream.size() == 5);
  CHECK(stream[3].position == 5);
  CHECK(stream[3].version == 4);
  CHECK(stream[3].payload == "event 0");
}

TEST_CASE("append with a stale expected version is refused and reports the current version") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->append("s", ExpectedVersion::no_stream(), events(2)).has_value());

  auto stale = store->append("s", ExpectedVersion::exactly(1), events(1));
  REQUIRE_FALSE(stale.has_value());
  CHECK(stale.error().code == Code::aborted);
  CHECK(stale.error().current_version == 2);

  auto not_new = store->append("s", ExpectedVersion::no_stream(), events(1));
  REQUIRE_FALSE(not_new.has_value());
  CHECK(not_new.error().current_version == 2);

  auto missing = store->append("t", ExpectedVersion::exactly(4), events(1));
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == Code::aborted);
  CHECK(missing.error().current_version == 0);

  CHECK(store->head() == 2);
  CHECK(store->stream_version("t").value() == 0);
}

TEST_CASE("every field of the envelope reads back as written, binary payloads included") {
  TempDir dir;
  auto store = open_store(dir);
  NewEvent e = event("Sent", std::string("\0\x01\xff bytes \xea\xb0\x80", 12));
  e.id = new_event_id();
  e.correlation_id = new_event_id();
  e.causation_position = 0;
  e.principal = "01012345678";
  REQUIRE(store->append("message-1", ExpectedVersion::no_stream(), {e}).has_value());
  NewEvent f = event("Saved", "second");
  f.causation_position = 1;
  REQUIRE(store->append("message-1", ExpectedVersion::exactly(1), {f}).has_value());

  auto got = store->read_event(1).value();
  CHECK(got.position == 1);
  CHECK(got.stream == "message-1");
  CHECK(got.version == 1);
  CHECK(got.type == "Sent");
  CHECK(got.id == *e.id);
  CHECK(got.correlation_id == e.correlation_id);
  CHECK(got.principal == "01012345678");
  CHECK(got.payload == e.payload);
  CHECK(got.timestamp_us > 1'600'000'000'000'000);
  auto second = store->read_event(2).value();
  CHECK(second.causation_position == 1);
  CHECK_FALSE(is_nil(second.id));
  CHECK(second.id != got.id);
  CHECK(store->read_event(3).error().code == Code::not_found);
}

TEST_CASE("a fresh stream is appended without a read, and refused when this store knows it already") {
  TempDir dir;
  auto store = open_store(dir);
  auto first = store->append("message-a", ExpectedVersion::fresh(), {event(), event()});
  REQUIRE(first.has_value());
  CHECK(first->first_position == 1);
  CHECK(first->stream_version == 2);
  CHECK(store->read_stream("message-a", 1, 10).value().size() == 2);

  // Claimed fresh again after its first append: the store knows the stream.
  auto again = store->append("message-a", ExpectedVersion::fresh(), {event()});
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().code == Code::aborted);
  CHECK(again.error().message.find("expected no stream") != std::string::npos);

  // Two claims to the same fresh stream in flight together (one commit round or two):
  // the first one wins.
  auto a = store->append_future({"message-b", ExpectedVersion::fresh(), {event()}});
  auto b = store->append_future({"message-b", ExpectedVersion::fresh(), {event()}});
  REQUIRE(a.get().has_value());
  auto second = b.get();
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == Code::aborted);
  CHECK(store->head() == 3);
}

TEST_CASE("a scan by type visits only the wanted events, counts every event, and returns the last position passed") {
  TempDir dir;
  auto store = open_store(dir);
  // Positions 1..6: A B A B B B
  for (const char* type : {"A", "B", "A", "B", "B", "B"})
    REQUIRE(store->append("s", ExpectedVersion::any(), {event(type, std::string("of ") + type)}).has_value());
  auto only_a = [](std::string_view type) { return type == "A"; };
  std::vector<std::uint64_t> seen;
  auto visit = [&](RecordedEvent&& e) {
    CHECK(e.type == "A");
    CHECK(e.payload == "of A");  // a visited event is decoded whole
    seen.push_back(e.position);
    return true;
  };
  SUBCASE("unwanted events at the end are passed too") {
    auto last = store->scan_log(1, 100, only_a, visit);
    REQUIRE(last.has_value());
    CHECK(*last == 6);
    CHECK(seen == std::vector<std::uint64_t>{1, 3});
  }
  SUBCASE("max_count counts the unwanted events") {
    auto last = store->scan_log(2, 2, only_a, visit);
    REQUIRE(last.has_value());
    CHECK(*last == 3);
    CHECK(seen == std::vector<std::uint64_t>{3});
  }
  SUBCASE("a visitor that stops leaves the last position before its event") {
    auto last = store->scan_log(1, 100, only_a, [&](RecordedEvent&& e) { return e.position != 3; });
    REQUIRE(last.has_value());
    CHECK(*last == 2);
  }
  SUBCASE("nothing to scan past the head") {
    auto last = store->scan_log(7, 100, only_a, visit);
    REQUIRE(last.has_value());
    CHECK(*last == 6);
    CHECK(seen.empty());
  }
}

TEST_CASE("a transaction appends to several streams and writes checkpoints atomically") {
  TempDir dir;
  auto store = open_store(dir);
  REQUIRE(store->append("x", ExpectedVersion::no_stream(), events(1)).has_value());

  Transaction txn;
  txn.streams.push_back({"y", ExpectedVersion::no_stream(), events(2)});
  txn.streams.push_back({"z", ExpectedVersion::no_stream(), events(1)});
  txn.checkpoints.push_back({"policy", 1});
  auto r = store->commit(txn);
  REQUIRE(r.has_value());
  REQUIRE(r->streams.size() == 2);
  CHECK(r->streams[0].first_position == 2);
  CHECK(r->streams[0].last_position == 3);
  CHECK(r->streams[1].first_position == 4);
  CHECK(store->checkpoint("policy").value() == 1);

  SUBCASE("one stale stream refuses the whole transaction") {
    Transaction bad;
    bad.streams.push_back({"w", ExpectedVersion::no_stream(), events(1)});
    bad.streams.push_back({"x", ExpectedVersion::exactly(7), events(1)});
    bad.checkpoints.push_back({"policy", 4});
    auto refused = store->commit(bad);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().code == Code::aborted);
    CHECK(refused.error().current_version == 1);
    CHECK(store->head() == 4);
    CHECK(store->stream_version("w").value() == 0);
    CHECK(store->checkpoint("policy").value() == 1);
  }
  SUBCASE("a checkpoint alone is a transaction") {
    Transaction only;
    only.checkpoints.push_back({"policy", 4});
    REQUIRE(store->commit(only).has_value());
    CHECK(store->checkpoint("policy").value() == 4);
    CHECK(store->head() == 4);
  }
  CHECK_FALSE(store->checkpoint("unknown").value().has_value());
}

TEST_CASE("malformed requests are refused with invalid_argument and write nothing") {
  TempDir dir;
  auto store = open_store(dir);
  CHECK(store->append("", ExpectedVersion::any(), events(1)).error().code == Code::invalid_argument);
  CHECK(store->append(std::string("a\0b", 3), ExpectedVersion::any(), events(1)).error().code ==
        Code::invalid_argument);
  CHECK(store->append(std::string(1025, 's'), ExpectedVersion::any(), events(1)).error().code ==
        Code::invalid_argument);
  CHECK(store->append("s", ExpectedVersion::any(), {}).error().code == Code::invalid_argument);
  CHECK(store->append("s", ExpectedVersion::any(), {event("")}).error().code == Code::invalid_argument);
  NewEvent nil = event();
  nil.id = EventId{};
  CHECK(store->append("s", ExpectedVersion::any(), {nil}).error().code == Code::invalid_argument);
  NewEvent twice = event();
  twice.id = new_event_id();
  CHECK(store->append("s", ExpectedVersion::any(), {twice, twice}).error().code == Code::invalid_argument);
  Transaction same;
  same.streams.push_back({"s", ExpectedVersion::any(), events(1)});
  same.streams.push_back({"s", ExpectedVersion::any(), events(1)});
  CHECK(store->commit(same).error().code == Code::invalid_argument);
  CHECK(store->commit(Transaction{}).error().code == Code::invalid_argument);
  CHECK(store->head() == 0);
}

TEST_CASE("appends complete through a callback or a future") {
  TempDir dir;
  auto store = open_store(dir);
  std::promise<Result<AppendResult>> got;
  store->append_async({"cb", ExpectedVersion::any(), events(1)},
                      [&](Result<AppendResult> r) { got.set_value(std::move(r)); });
  CHECK(got.get_future().get().value().last_position == 1);
  auto f = store->append_future({"fut", ExpectedVersion::any(), events(2)});
  CHECK(f.get().value().last_position == 3);
}

TEST_CASE("opening refuses a folder that holds another database or none") {
  TempDir dir;
  StoreOptions no_create;
  no_create.create_if_missing = false;
  auto missing = EventStore::open(dir.sub("absent"), no_create);
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == Code::not_found);

  auto first = EventStore::open(dir.str());
  REQUIRE(first.has_value());
  auto second = EventStore::open(dir.str());
  REQUIRE_FALSE(second.has_value());
  CHECK(second.error().code == Code::unavailable);
  CHECK(second.error().message.find("in use") != std::string::npos);
}
