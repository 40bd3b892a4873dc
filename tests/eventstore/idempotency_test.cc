#include <doctest/doctest.h>

#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "core/eventstore/event_store.h"
#include "tests/support/events.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::eventstore;
using mailbox::testing::event;
using mailbox::testing::event_with_id;
using mailbox::testing::TempDir;

namespace {

// Submits two transactions back to back (so that they usually share a commit round)
// and returns both results.
std::pair<Result<TransactionResult>, Result<TransactionResult>> commit_together(EventStore& store, Transaction first,
                                                                                Transaction second) {
  std::promise<Result<TransactionResult>> p1, p2;
  store.commit_async(std::move(first), [&](Result<TransactionResult> r) { p1.set_value(std::move(r)); });
  store.commit_async(std::move(second), [&](Result<TransactionResult> r) { p2.set_value(std::move(r)); });
  auto r1 = p1.get_future().get();
  return {std::move(r1), p2.get_future().get()};
}

}  // namespace

TEST_CASE("a retried append returns the original result and writes nothing, also after reopening") {
  TempDir dir;
  const EventId a = new_event_id(), b = new_event_id();
  AppendResult original;
  {
    auto store = std::move(EventStore::open(dir.str()).value());
    REQUIRE(store->append("other", ExpectedVersion::any(), {event()}).has_value());
    original = store->append("s", ExpectedVersion::no_stream(), {event_with_id(a), event_with_id(b)}).value();
    CHECK(original.first_position == 2);
    CHECK_FALSE(original.duplicate);

    auto retry = store->append("s", ExpectedVersion::no_stream(), {event_with_id(a), event_with_id(b)});
    REQUIRE(retry.has_value());
    CHECK(retry->duplicate);
    CHECK(retry->first_position == original.first_position);
    CHECK(retry->last_position == original.last_position);
    CHECK(retry->stream_version == original.stream_version);
    CHECK(store->head() == 3);
  }
  auto store = std::move(EventStore::open(dir.str()).value());
  auto retry = store->append("s", ExpectedVersion::exactly(0), {event_with_id(a), event_with_id(b)});
  REQUIRE(retry.has_value());
  CHECK(retry->duplicate);
  CHECK(retry->first_position == 2);
  CHECK(retry->stream_version == 2);
  CHECK(store->head() == 3);
  CHECK(store->read_log(1, 10).value().size() == 3);

  SUBCASE("ids partly stored by another append are refused") {
    auto mixed = store->append("s", ExpectedVersion::any(), {event_with_id(a), event_with_id(new_event_id())});
    REQUIRE_FALSE(mixed.has_value());
    CHECK(mixed.error().code == Code::invalid_argument);
    CHECK(store->head() == 3);
  }
  SUBCASE("a duplicate stream in a transaction still lets the rest and its checkpoint commit") {
    Transaction txn;
    txn.streams.push_back({"s", ExpectedVersion::no_stream(), {event_with_id(a), event_with_id(b)}});
    txn.streams.push_back({"t", ExpectedVersion::no_stream(), {event()}});
    txn.checkpoints.push_back({"cp", 3});
    auto r = store->commit(txn).value();
    CHECK(r.streams[0].duplicate);
    CHECK(r.streams[0].first_position == 2);
    CHECK(r.streams[1].first_position == 4);
    CHECK(store->checkpoint("cp").value() == 3);
  }
}

TEST_CASE("an append whose event id is stored for another stream, type or payload is refused, never a duplicate") {
  TempDir dir;
  auto store = std::move(EventStore::open(dir.str()).value());
  const EventId id = new_event_id();
  const auto original = store->append("s", ExpectedVersion::any(), {event_with_id(id, "first")}).value();

  auto other_payload = store->append("s", ExpectedVersion::any(), {event_with_id(id, "second")});
  REQUIRE_FALSE(other_payload.has_value());
  CHECK(other_payload.error().code == Code::already_exists);
  auto other_stream = store->append("t", ExpectedVersion::any(), {event_with_id(id, "first")});
  REQUIRE_FALSE(other_stream.has_value());
  CHECK(other_stream.error().code == Code::already_exists);
  auto other_type_event = event_with_id(id, "first");
  other_type_event.type = "Other";
  auto other_type = store->append("s", ExpectedVersion::any(), {other_type_event});
  REQUIRE_FALSE(other_type.has_value());
  CHECK(other_type.error().code == Code::already_exists);
  CHECK(store->head() == 1);

  // The same event again is a duplicate, answered with the original.
  auto same = store->append("s", ExpectedVersion::any(), {event_with_id(id, "first")}).value();
  CHECK(same.duplicate);
  CHECK(same.first_position == original.first_position);

  // Within one commit too: the second transaction carrying the id with another payload
  // is refused, and only it.
  const EventId fresh = new_event_id();
  auto a = store->append_future({"u", ExpectedVersion::any(), {event_with_id(fresh, "one")}});
  auto b = store->append_future({"u", ExpectedVersion::any(), {event_with_id(fresh, "two")}});
  auto ra = a.get(), rb = b.get();
  CHECK(ra.has_value() != rb.has_value());
  const auto& refused = ra ? rb : ra;
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == Code::already_exists);
  CHECK(store->head() == 2);

  auto found = store->find_event(id).value();
  REQUIRE(found.has_value());
  CHECK(found->payload == "first");
  CHECK(found->stream == "s");
  CHECK_FALSE(store->find_event(new_event_id()).value().has_value());
}

TEST_CASE("unrelated callers racing with the same event ids store each id once") {
  TempDir dir;
  auto store = std::move(EventStore::open(dir.str()).value());
  constexpr int kIds = 60, kThreads = 6;
  std::vector<EventId> ids;
  for (int i = 0; i < kIds; ++i) ids.push_back(new_event_id());

  std::mutex mutex;
  std::map<int, std::vector<AppendResult>> results;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      std::vector<std::future<Result<AppendResult>>> futures;
      for (int i = 0; i < kIds; ++i) {
        const int k = (i + t * 7) % kIds;  // each thread in its own order
        // Retries of one append: the same stream, id and payload from every thread.
        futures.push_back(store->append_future(
            {"idem-" + std::to_string(k), ExpectedVersion::any(), {event_with_id(ids[k], "event " + std::to_string(k))}}));
      }
      for (int i = 0; i < kIds; ++i) {
        const int k = (i + t * 7) % kIds;
        auto r = futures[i].get();
        CHECK(r.has_value());
        if (!r) continue;
        std::lock_guard lock(mutex);
        results[k].push_back(*r);
      }
    });
  for (auto& t : threads) t.join();

  CHECK(store->head() == kIds);
  for (int k = 0; k < kIds; ++k) {
    REQUIRE(results[k].size() == kThreads);
    int originals = 0;
    for (const auto& r : results[k]) {
      originals += r.duplicate ? 0 : 1;
      CHECK(r.first_position == results[k][0].first_position);
      CHECK(r.stream_version == 1);
    }
    CHECK(originals == 1);
    CHECK(store->stream_version("idem-" + std::to_string(k)).value() == 1);
  }
}

TEST_CASE("with each_event_once an append leaves out the events stored already, whichever append stored them, "
          "without it such an append is refused") {
  TempDir dir;
  auto store = std::move(EventStore::open(dir.str()).value());
  const EventId a = new_event_id(), b = new_event_id(), c = new_event_id(), d = new_event_id();
  REQUIRE(store->append("s", ExpectedVersion::any(), {event_with_id(a, "a")}).has_value());  // 1
  REQUIRE(store->append("s", ExpectedVersion::any(), {event_with_id(b, "b")}).has_value());  // 2
  auto all_four = [&](bool each) {
    Transaction txn;
    txn.streams.push_back({"s", ExpectedVersion::any(),
                           {event_with_id(a, "a"), event_with_id(c, "c"), event_with_id(b, "b"), event_with_id(d, "d")}});
    txn.checkpoints.push_back({"policy", 2});
    txn.each_event_once = each;
    return store->commit(std::move(txn));
  };
  auto refused = all_four(false);
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().code == Code::invalid_argument);
  CHECK(store->head() == 2);
  CHECK_FALSE(store->checkpoint("policy").value().has_value());

  auto partly = all_four(true);
  REQUIRE(partly.has_value());
  CHECK_FALSE(partly->streams[0].duplicate);
  CHECK(partly->streams[0].first_position == 3);
  CHECK(partly->streams[0].last_position == 4);
  CHECK(partly->streams[0].stream_version == 4);
  CHECK(store->checkpoint("policy").value() == std::optional<std::uint64_t>(2));
  const auto log = store->read_log(1, 10).value();
  REQUIRE(log.size() == 4);
  CHECK(log[2].payload == "c");
  CHECK(log[2].version == 3);
  CHECK(log[3].payload == "d");
  CHECK(log[3].version == 4);
  // Each id now names its one event, the new ones at their new positions.
  CHECK(store->find_event(c).value()->position == 3);
  CHECK(store->find_event(d).value()->position == 4);
  CHECK(store->find_event(a).value()->position == 1);

  // All four stored now, by three appends: a duplicate, nothing written.
  auto again = all_four(true);
  REQUIRE(again.has_value());
  CHECK(again->streams[0].duplicate);
  CHECK(store->head() == 4);

  // Two such transactions in one commit round: the second finds the first's events.
  const EventId e = new_event_id();
  auto one = [&] {
    Transaction txn;
    txn.streams.push_back({"s", ExpectedVersion::any(), {event_with_id(a, "a"), event_with_id(e, "e")}});
    txn.each_event_once = true;
    return txn;
  };
  auto [r1, r2] = commit_together(*store, one(), one());
  REQUIRE(r1.has_value());
  REQUIRE(r2.has_value());
  CHECK(r1->streams[0].duplicate != r2->streams[0].duplicate);
  CHECK(store->head() == 5);
  CHECK(store->read_event(5).value().payload == "e");
}

TEST_CASE("an event whose legacy id is stored counts as stored where ids are looked up, and only there") {
  TempDir dir;
  auto store = std::move(EventStore::open(dir.str()).value());
  const EventId legacy = new_event_id(), fresh = new_event_id();
  REQUIRE(store->append("s", ExpectedVersion::any(), {event_with_id(legacy, "x")}).has_value());  // 1
  auto renamed = [&](std::string payload) {
    NewEvent e = event_with_id(fresh, std::move(payload));
    e.legacy_id = legacy;
    return e;
  };
  auto commit = [&](NewEvent e, bool each, bool ids_are_new) {
    Transaction txn;
    txn.streams.push_back({"s", ExpectedVersion::any(), {std::move(e)}});
    txn.each_event_once = each;
    txn.ids_are_new = ids_are_new;
    return store->commit(std::move(txn));
  };

  // The same event under its new id: stored already, with or without each_event_once.
  const auto lookups_before = store->writer_stats().id_lookups;
  for (const bool each : {false, true}) {
    auto again = commit(renamed("x"), each, false);
    REQUIRE(again.has_value());
    CHECK(again->streams[0].duplicate);
    CHECK(again->streams[0].first_position == 1);
  }
  CHECK(store->head() == 1);
  CHECK(store->writer_stats().id_lookups - lookups_before == 4);  // the new id, then the legacy one, twice

  // Another event whose legacy id names the stored one: refused, as for its own id,
  // with both ids in the message; with each_event_once another type only (a payload
  // derived again may differ in the time it was derived at).
  auto other = commit(renamed("y"), false, false);
  REQUIRE_FALSE(other.has_value());
  CHECK(other.error().code == Code::already_exists);
  CHECK(other.error().message.find(to_string(fresh) + ", by its legacy id: event id " + to_string(legacy)) !=
        std::string::npos);
  auto later = commit(renamed("y"), true, false);
  REQUIRE(later.has_value());
  CHECK(later->streams[0].duplicate);
  NewEvent retyped = renamed("x");
  retyped.type = "Other";
  auto another_type = commit(retyped, true, false);
  REQUIRE_FALSE(another_type.has_value());
  CHECK(another_type.error().code == Code::already_exists);
  CHECK(store->head() == 1);

  // Ids the caller says are new are not looked up, legacy ones neither; the legacy id is
  // never stored itself.
  auto appended = commit(renamed("x"), true, true);
  REQUIRE(appended.has_value());
  CHECK(appended->streams[0].first_position == 2);
  CHECK(store->find_event(fresh).value()->position == 2);
  CHECK(store->find_event(legacy).value()->position == 1);
}

TEST_CASE("with each_event_once a stored id counts for the same stream and type whatever the payload, in the store "
          "and within one commit round; another stream or type is refused") {
  TempDir dir;
  auto store = std::move(EventStore::open(dir.str()).value());
  const EventId id = new_event_id();
  REQUIRE(store->append("s", ExpectedVersion::any(), {event_with_id(id, "derived at 1")}).has_value());  // 1
  auto derive_again = [&](std::string stream, NewEvent e) {
    Transaction txn;
    txn.streams.push_back({std::move(stream), ExpectedVersion::any(), {std::move(e)}});
    txn.each_event_once = true;
    return txn;
  };
  auto later = store->commit(derive_again("s", event_with_id(id, "derived at 2")));
  REQUIRE(later.has_value());
  CHECK(later->streams[0].duplicate);
  auto elsewhere = store->commit(derive_again("t", event_with_id(id, "derived at 1")));
  REQUIRE_FALSE(elsewhere.has_value());
  CHECK(elsewhere.error().code == Code::already_exists);
  NewEvent retyped = event_with_id(id, "derived at 1");
  retyped.type = "Other";
  auto another_type = store->commit(derive_again("s", retyped));
  REQUIRE_FALSE(another_type.has_value());
  CHECK(another_type.error().code == Code::already_exists);
  CHECK(store->head() == 1);

  // A new id derived twice, differing in payload, committed together: stored once.
  const EventId fresh = new_event_id();
  auto [r1, r2] = commit_together(*store, derive_again("s", event_with_id(fresh, "derived at 3")),
                                   derive_again("s", event_with_id(fresh, "derived at 4")));
  REQUIRE(r1.has_value());
  REQUIRE(r2.has_value());
  CHECK(r1->streams[0].duplicate != r2->streams[0].duplicate);
  CHECK(store->head() == 2);
  CHECK(store->read_event(2).value().payload == "derived at 3");
}
