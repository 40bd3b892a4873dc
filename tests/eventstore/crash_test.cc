#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <sstream>

#include "core/eventstore/event_store.h"
#include "tests/support/soak.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::eventstore;
using mailbox::testing::ChildProcess;
using mailbox::testing::TempDir;

namespace {

struct Ack {
  std::string stream;
  std::uint64_t first = 0, last = 0;
  std::vector<std::string> ids;
};

// Runs the appender until it has acknowledged `acks_before_kill` appends, SIGKILLs it,
// and returns every acknowledgement it printed before dying.
std::vector<Ack> run_and_kill(const std::string& dir, int acks_before_kill) {
  ChildProcess appender(CRASH_APPENDER_PATH, {dir});
  appender.read_lines(static_cast<std::size_t>(acks_before_kill), std::chrono::seconds(30));
  appender.kill();
  const auto result = appender.wait();
  CHECK_MESSAGE(result.exit_code == -1, "the appender exited instead of being killed: " << result.err);
  std::vector<Ack> acks;
  std::istringstream lines(result.out);
  for (std::string text; std::getline(lines, text);) {
    if (lines.eof()) break;  // a line cut short by the kill has no newline
    std::istringstream line(text);
    std::string word;
    Ack ack;
    line >> word >> ack.stream >> ack.first >> ack.last;
    for (std::string id; line >> id;) ack.ids.push_back(id);
    acks.push_back(ack);
  }
  return acks;
}

}  // namespace

TEST_CASE("after SIGKILL at random moments every acknowledged append is stored once, whole, without gaps") {
  TempDir dir;
  std::mt19937 rng(std::random_device{}());
  std::vector<Ack> acknowledged;
  const int rounds = mailbox::testing::soak_setting("MAILBOX_SOAK_ROUNDS", 20);
  for (int round = 0; round < rounds; ++round) {
    auto acks = run_and_kill(dir.str(), 1 + static_cast<int>(rng() % 300));
    REQUIRE(!acks.empty());
    acknowledged.insert(acknowledged.end(), acks.begin(), acks.end());

    auto store = std::move(EventStore::open(dir.str()).value());
    std::set<std::string> ids;
    std::map<std::string, std::uint64_t> events_per_stream;
    std::uint64_t expected = 1;
    auto scanned = store->scan_log(1, UINT64_MAX, [&](RecordedEvent&& e) {
      CHECK(e.position == expected);
      ++expected;
      CHECK(ids.insert(to_string(e.id)).second);
      ++events_per_stream[e.stream];
      return true;
    });
    REQUIRE(scanned.has_value());
    CHECK(expected - 1 == store->head());
    // Each append wrote three events to a stream of its own: a half-written batch
    // would leave a stream with fewer.
    for (const auto& [stream, count] : events_per_stream) CHECK(count == 3);
    for (const auto& ack : acknowledged) {
      REQUIRE(ack.ids.size() == 3);
      for (std::uint64_t p = ack.first; p <= ack.last; ++p) {
        auto e = store->read_event(p);
        REQUIRE(e.has_value());
        CHECK(e->stream == ack.stream);
        CHECK(to_string(e->id) == ack.ids[p - ack.first]);
      }
    }
  }
  MESSAGE("acknowledged appends checked: " << acknowledged.size());
}
