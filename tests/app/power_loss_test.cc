#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "app/engine.h"
#include "tests/support/derived_events.h"
#include "tests/support/engine_parts.h"
#include "tests/support/eventually.h"
#include "tests/support/process.h"
#include "tests/support/recording_sink.h"
#include "tests/support/soak.h"
#include "tests/support/sync_journal.h"
#include "tests/support/temp_dir.h"

using namespace mailbox;
using testing::ChildProcess;
using testing::SyncJournal;
using testing::TempDir;

namespace {

// How many times the power goes (many more in the soak entry).
int rounds() { return testing::soak_setting("MAILBOX_SOAK_ROUNDS", 20); }
// Rounds on one data folder before the next starts empty: each round checks the whole
// log, so this bounds a round's time however many rounds run.
constexpr int kRoundsPerFolder = 5;

// "ack POSITION MESSAGE_ID" lines: what the runner was told is durable.
std::map<std::uint64_t, std::string> acknowledged(const std::string& out) {
  std::map<std::uint64_t, std::string> acks;
  std::istringstream in(out);
  for (std::string word; in >> word;) {
    if (word != "ack") continue;
    std::uint64_t position = 0;
    std::string id;
    if (in >> position >> id) acks[position] = id;
  }
  return acks;
}

// Opens the folder as mailboxd would after the power came back, lets the policies and
// views catch up, and checks everything ever acknowledged and what was derived from it.
void check_after_power_loss(const std::string& dir, const std::map<std::uint64_t, std::string>& acks) {
  testing::RecordingSink sink;  // the alarms, not a log line each
  app::EngineOptions options;
  options.data_dir = dir;
  options.alarm_sink = &sink;
  auto opened = app::Engine::open(options);
  REQUIRE_MESSAGE(opened.has_value(), "the folder does not open after the power loss: " << opened.error().message);
  auto& engine = **opened;
  auto& log = testing::log_of(engine);

  // Every acknowledged send is there, at its position; positions are gapless (a gap is
  // reported by scan_log as corruption) and no event is stored twice.
  std::set<std::string> messages, event_ids;
  std::uint64_t events = 0, undecoded = 0;
  std::vector<std::uint64_t> repeated;  // positions of events stored a second time
  auto scanned = log.scan_log(1, UINT64_MAX, [&](eventstore::RecordedEvent&& e) {
    ++events;
    if (!event_ids.insert(eventstore::to_string(e.id)).second) repeated.push_back(e.position);
    auto decoded = app::decode(e);
    if (!decoded) ++undecoded;
    else if (const auto* sent = std::get_if<app::Sent>(&*decoded))
      if (!messages.insert(sent->message_id).second) repeated.push_back(e.position);
    return true;
  });
  REQUIRE_MESSAGE(scanned.has_value(), scanned.error().message);
  CHECK(events == log.head());
  CHECK(undecoded == 0);
  CHECK_MESSAGE(repeated.empty(), repeated.size() << " events stored twice, the first at " << repeated.front());
  std::uint64_t lost = 0;
  for (const auto& [position, message_id] : acks) {
    auto event = log.read_event(position);
    auto decoded = event ? app::decode(*event) : std::unexpected(event.error());
    const auto* sent = decoded ? std::get_if<app::Sent>(&*decoded) : nullptr;
    if (!sent || sent->message_id != message_id) ++lost;
  }
  CHECK_MESSAGE(lost == 0, lost << " of " << acks.size() << " acknowledged sends are missing");

  // What was derived before the power went is there exactly once, and each view equals a
  // build from the log up to its own checkpoint.
  (void)testing::check_derived_exactly_once(engine);

  // After catching up, everything is derived exactly once.
  REQUIRE(engine.start().has_value());
  const bool caught_up = testing::eventually(
      [&] {
        const auto status = engine.status();
        for (const auto& f : status.followers)
          if (f.position != status.head || f.error) return false;
        return true;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(10));
  REQUIRE_MESSAGE(caught_up, "the policies and views did not catch up within 60 s");
  engine.stop();
  const auto counts = testing::check_derived_exactly_once(engine);
  CHECK(counts.saved == counts.sent);
  CHECK(counts.alarmed == counts.sent + counts.saved);
}

}  // namespace

TEST_CASE("after a power loss at random moments under sends every acknowledged send is stored once, derived once, and the views equal a rebuild") {
  TempDir dir;
  const std::string data = dir.sub("data"), journal = dir.sub("journal");
  std::mt19937 rng(std::random_device{}());
  std::map<std::uint64_t, std::string> acks;  // every round's on this folder
  std::uint64_t acknowledged_in_all = 0;
  SyncJournal::Losses total;
  for (int round = 0; round < rounds(); ++round) {
    CAPTURE(round);
    if (round % kRoundsPerFolder == 0) {
      std::filesystem::remove_all(data);
      acks.clear();
    }
    std::filesystem::remove(journal);
    ChildProcess runner(POWER_LOSS_RUNNER_PATH, {data, journal});
    const std::string said = runner.read_lines(1, std::chrono::seconds(30));
    REQUIRE_MESSAGE(said.rfind("ready", 0) == 0, "the runner did not start: " << said << runner.err());
    // A random moment, while reading what it says (a full pipe would stall it).
    (void)runner.read_lines(SIZE_MAX, std::chrono::milliseconds(rng() % 1000));
    runner.kill();
    const auto result = runner.wait();
    REQUIRE_MESSAGE(result.exit_code == -1, "the runner stopped by itself: " << result.err);
    const auto these = acknowledged(result.out);
    acks.insert(these.begin(), these.end());
    acknowledged_in_all += these.size();

    const auto losses = SyncJournal::lose_power(journal);
    total.files_cut += losses.files_cut;
    total.bytes_cut += losses.bytes_cut;
    total.files_removed += losses.files_removed;
    total.files_restored += losses.files_restored;

    check_after_power_loss(data, acks);
    const auto verify = testing::run_process(MAILBOX_REPLAY_PATH, {"verify", "--data", data});
    CHECK_MESSAGE(verify.exit_code == 0, "mailbox-replay verify: " << verify.out << verify.err);
  }
  MESSAGE(rounds() << " power losses, " << acknowledged_in_all << " acknowledged sends; unsynced data dropped: "
                   << total.bytes_cut << " bytes cut from " << total.files_cut << " files, "
                   << total.files_removed << " files removed, " << total.files_restored << " put back");
  CHECK(total.bytes_cut + total.files_removed > 0);  // the losses were real
}
