#include <doctest/doctest.h>

#include <algorithm>
#include <future>
#include <thread>

#include "core/eventstore/event_store.h"
#include "core/eventstore/internal/recent_dedupe_rows.h"
#include "tests/support/events.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::eventstore;
using mailbox::testing::event_with_id;
using mailbox::testing::events;
using mailbox::testing::TempDir;

namespace {

DedupeRow row(std::uint8_t n, std::uint64_t first, std::uint64_t last) {
  DedupeRow r;
  r.id[0] = n;
  r.result = {first, last, 1, false};
  return r;
}

// The dedupe rows read_segment gives for every range of the log (from each position,
// 1, 3 and all events at a time), as "from/max: id@first-last ...".
std::vector<std::string> every_segments_rows(const EventStore& log) {
  std::vector<std::string> out;
  for (std::uint64_t from = 1; from <= log.head(); ++from)
    for (std::size_t max : {std::size_t{1}, std::size_t{3}, std::size_t{100'000}}) {
      auto segment = log.read_segment(from, max, SIZE_MAX);
      REQUIRE(segment.has_value());
      std::string line = std::to_string(from) + "/" + std::to_string(max) + ":";
      for (const auto& r : segment->dedupe)
        line += " " + to_string(r.id) + "@" + std::to_string(r.result.first_position) + "-" +
                std::to_string(r.result.last_position) + "v" + std::to_string(r.result.stream_version);
      out.push_back(std::move(line));
    }
  return out;
}

// Appends of every shape the writer indexes: parts with several supplied ids, parts
// without, ids retried (duplicates), and rounds of several transactions from threads
// committing at once (a retry in the same round as its original among them).
void append_all_shapes(EventStore& log, int round) {
  const std::string r = std::to_string(round);
  for (int i = 0; i < 6; ++i) {
    Transaction txn;
    txn.streams.push_back({"plain" + r, ExpectedVersion::any(), events(1 + i % 3)});
    std::vector<NewEvent> keyed;
    for (int k = 0; k <= i % 3; ++k) keyed.push_back(event_with_id(new_event_id(), "k" + std::to_string(k)));
    txn.streams.push_back({"keyed" + r + "-" + std::to_string(i), ExpectedVersion::any(), keyed});
    Transaction retry = txn;
    REQUIRE(log.commit(std::move(txn)).has_value());
    if (i % 2 == 0) REQUIRE(log.commit(std::move(retry)).has_value());  // a duplicate: nothing new
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        const EventId id = new_event_id();
        Transaction txn;
        txn.streams.push_back({"t" + r + "-" + std::to_string(t) + "-" + std::to_string(i), ExpectedVersion::any(),
                               {event_with_id(id, "x")}});
        Transaction again = txn;
        auto first = std::async(std::launch::async, [&] { return log.commit(std::move(txn)); });
        auto second = log.commit(std::move(again));
        REQUIRE(first.get().has_value());
        REQUIRE(second.has_value());
      }
    });
  for (auto& t : threads) t.join();
}

}  // namespace

TEST_CASE("recent dedupe rows cover one unbroken stretch of positions, within their capacity") {
  RecentDedupeRows recent(6);
  CHECK_FALSE(recent.rows(1, 1).has_value());  // nothing covered yet
  recent.add(1, 3, {{1, row(1, 1, 1)}, {3, row(3, 2, 3)}});
  REQUIRE(recent.rows(1, 3).has_value());
  CHECK(recent.rows(1, 3)->size() == 2);
  CHECK(recent.rows(2, 2)->empty());        // covered, no supplied id there
  CHECK(recent.rows(3, 3)->front().id[0] == 3);
  CHECK_FALSE(recent.rows(1, 4).has_value());  // past what is covered
  recent.add(4, 7, {{5, row(5, 5, 5)}});
  CHECK_FALSE(recent.rows(1, 3).has_value());  // past the capacity: 2 to 7 are kept
  REQUIRE(recent.rows(2, 7).has_value());
  CHECK(recent.rows(2, 7)->size() == 2);
  recent.add(9, 9, {{9, row(9, 9, 9)}});        // a gap: starts over
  CHECK_FALSE(recent.rows(5, 5).has_value());
  CHECK(recent.rows(9, 9)->size() == 1);
  recent.clear();
  CHECK_FALSE(recent.rows(9, 9).has_value());
  RecentDedupeRows none(0);
  none.add(1, 1, {{1, row(1, 1, 1)}});
  CHECK_FALSE(none.rows(1, 1).has_value());
}

TEST_CASE("a store keeping recent dedupe rows gives read_segment the rows RocksDB holds, inside and outside its stretch") {
  TempDir dir;
  std::vector<std::string> with_rows, from_rocksdb;
  {
    StoreOptions options;
    options.recent_dedupe_rows = 40;  // less than the log: ranges straddle its start
    auto log = std::move(EventStore::open(dir.str(), options).value());
    append_all_shapes(*log, 1);
    append_all_shapes(*log, 2);
    REQUIRE(log->head() > 80);
    with_rows = every_segments_rows(*log);
  }
  {
    auto log = std::move(EventStore::open(dir.str()).value());  // none kept: RocksDB's
    from_rocksdb = every_segments_rows(*log);
  }
  REQUIRE(with_rows.size() == from_rocksdb.size());
  std::size_t rows = 0;
  for (std::size_t i = 0; i < with_rows.size(); ++i) {
    CHECK(with_rows[i] == from_rocksdb[i]);
    rows += static_cast<std::size_t>(std::count(from_rocksdb[i].begin(), from_rocksdb[i].end(), '@'));
  }
  CHECK(rows > 100);  // the ranges hold rows to compare
}

TEST_CASE("a store that keeps recent dedupe rows, applies a copied segment and appends again reads RocksDB's rows") {
  TempDir dir;
  StoreOptions options;
  options.recent_dedupe_rows = 1000;
  auto log = std::move(EventStore::open(dir.sub("log"), options).value());
  auto other = std::move(EventStore::open(dir.sub("other")).value());
  append_all_shapes(*log, 1);  // kept in memory
  // other: the same log, then appends of its own, copied back into log as a segment.
  auto start = log->read_segment(1, 100'000, SIZE_MAX);
  REQUIRE(start.has_value());
  REQUIRE(other->apply_segment(std::move(*start)).has_value());
  const std::uint64_t shared = other->head();
  append_all_shapes(*other, 2);
  auto theirs = other->read_segment(shared + 1, 100'000, SIZE_MAX);
  REQUIRE(theirs.has_value());
  REQUIRE(log->apply_segment(std::move(*theirs)).has_value());
  append_all_shapes(*log, 3);
  const auto with_rows = every_segments_rows(*log);
  log.reset();
  auto reopened = std::move(EventStore::open(dir.sub("log")).value());
  CHECK(with_rows == every_segments_rows(*reopened));
}
