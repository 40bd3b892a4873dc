#include <doctest/doctest.h>

#include "core/eventstore/event_store.h"
#include "tests/support/events.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::eventstore;
using mailbox::testing::event_with_id;
using mailbox::testing::events;
using mailbox::testing::TempDir;

namespace {

// A log with several streams, supplied ids (dedupe rows) and checkpoints.
void fill(EventStore& log) {
  for (int i = 0; i < 20; ++i) {
    Transaction txn;
    txn.streams.push_back({"s" + std::to_string(i % 3), ExpectedVersion::any(), events(1 + i % 4)});
    txn.streams.push_back({"keyed", ExpectedVersion::any(), {event_with_id(new_event_id(), "k" + std::to_string(i))}});
    txn.checkpoints.push_back({"policy", static_cast<std::uint64_t>(i)});
    REQUIRE(log.commit(std::move(txn)).has_value());
  }
}

// Everything of `from` copied into `to`, in segments of about max_bytes.
void copy(const EventStore& from, EventStore& to, std::size_t max_bytes) {
  for (;;) {
    auto segment = from.read_segment(to.head() + 1, 1000, max_bytes);
    REQUIRE(segment.has_value());
    if (segment->envelopes.empty()) return;
    auto applied = to.apply_segment(std::move(*segment));
    REQUIRE(applied.has_value());
    CHECK(*applied == to.head());
  }
}

void check_same(const EventStore& a, const EventStore& b) {
  REQUIRE(a.head() == b.head());
  auto x = a.read_segment(1, 1'000'000, SIZE_MAX), y = b.read_segment(1, 1'000'000, SIZE_MAX);
  REQUIRE(x.has_value());
  REQUIRE(y.has_value());
  CHECK(x->envelopes == y->envelopes);
  CHECK(x->dedupe.size() == y->dedupe.size());
  CHECK(x->has_checkpoints);
  CHECK(y->has_checkpoints);
  REQUIRE(x->checkpoints.size() == y->checkpoints.size());
  for (std::size_t i = 0; i < x->checkpoints.size(); ++i) {
    CHECK(x->checkpoints[i].name == y->checkpoints[i].name);
    CHECK(x->checkpoints[i].position == y->checkpoints[i].position);
  }
  for (const char* s : {"s0", "s1", "s2", "keyed"}) CHECK(a.stream_version(s).value() == b.stream_version(s).value());
}

}  // namespace

TEST_CASE("a log copied segment by segment is the same log: envelopes, streams, dedupe rows and checkpoints") {
  TempDir dir;
  auto source = std::move(EventStore::open(dir.sub("a")).value());
  auto copy_of = std::move(EventStore::open(dir.sub("b")).value());
  fill(*source);
  copy(*source, *copy_of, 300);  // a few envelopes per segment
  check_same(*source, *copy_of);
  // A supplied id is known to the copy: the same append is a duplicate there too.
  auto keyed = source->read_stream("keyed", 5, 1).value().front();
  auto found = copy_of->find_event(keyed.id);
  REQUIRE(found.has_value());
  REQUIRE(found->has_value());
  CHECK((*found)->position == keyed.position);
  auto again = copy_of->append("keyed", ExpectedVersion::any(), {event_with_id(keyed.id, keyed.payload)});
  REQUIRE(again.has_value());
  CHECK(again->duplicate);
}

TEST_CASE("only a segment that reaches the head it was read at carries the checkpoints") {
  TempDir dir;
  auto log = std::move(EventStore::open(dir.str()).value());
  fill(*log);
  auto part = log->read_segment(1, 3, SIZE_MAX);
  REQUIRE(part.has_value());
  CHECK(part->envelopes.size() == 3);
  CHECK_FALSE(part->has_checkpoints);
  auto rest = log->read_segment(4, 1'000'000, SIZE_MAX);
  REQUIRE(rest.has_value());
  CHECK(rest->last() == log->head());
  REQUIRE(rest->has_checkpoints);
  REQUIRE(rest->checkpoints.size() == 1);
  CHECK(rest->checkpoints[0].position == 19);
  CHECK(log->read_segment(log->head() + 1, 10, 10).value().envelopes.empty());
}

TEST_CASE("applying a segment skips what the copy has, refuses a gap, and verifies every envelope") {
  TempDir dir;
  auto source = std::move(EventStore::open(dir.sub("a")).value());
  auto copy_of = std::move(EventStore::open(dir.sub("b")).value());
  fill(*source);
  auto first = source->read_segment(1, 10, SIZE_MAX).value();
  REQUIRE(copy_of->apply_segment(first).has_value());
  CHECK(copy_of->head() == 10);
  // Overlapping: positions 5..14, of which 11..14 are new.
  auto overlap = source->read_segment(5, 10, SIZE_MAX).value();
  REQUIRE(copy_of->apply_segment(overlap).value() == 14);
  // A gap: 20.. while the copy ends at 14.
  auto gap = copy_of->apply_segment(source->read_segment(20, 5, SIZE_MAX).value());
  REQUIRE_FALSE(gap.has_value());
  CHECK(gap.error().code == Code::invalid_argument);
  // Envelopes shifted by one position: refused, nothing written.
  auto shifted = source->read_segment(15, 5, SIZE_MAX).value();
  shifted.envelopes.erase(shifted.envelopes.begin());  // 16.. claimed to start at 15
  auto refused = copy_of->apply_segment(shifted);
  REQUIRE_FALSE(refused.has_value());
  CHECK(copy_of->head() == 14);
  // Bytes that are no envelope: refused as corruption.
  auto garbage = source->read_segment(15, 1, SIZE_MAX).value();
  garbage.envelopes[0] = "not a flatbuffer";
  auto corrupt = copy_of->apply_segment(garbage);
  REQUIRE_FALSE(corrupt.has_value());
  CHECK(copy_of->head() == 14);
  copy(*source, *copy_of, SIZE_MAX);
  check_same(*source, *copy_of);
}
