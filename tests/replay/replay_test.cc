#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "app/engine.h"
#include "tests/support/engine_parts.h"
#include "tests/support/process.h"
#include "tests/support/recording_sink.h"
#include "tests/support/temp_dir.h"
#include "tests/support/view_dump.h"

using namespace mailbox;
using namespace std::chrono_literals;
using testing::ChildProcess;
using testing::run_process;
using testing::TempDir;

namespace {

const std::string kReplay = MAILBOX_REPLAY_PATH;

// A data folder filled by the engine (policies and views run), then closed.
void fill(const std::string& dir, int messages) {
  testing::RecordingSink sink;
  app::EngineOptions options;
  options.data_dir = dir;
  options.alarm_sink = &sink;
  auto engine = std::move(app::Engine::open(options).value());
  REQUIRE(engine->start().has_value());
  std::uint64_t last = 0;
  for (int i = 0; i < messages; ++i) {
    auto sent = engine->send().send_and_wait(
        {"0101234" + std::to_string(1000 + i % 3), "0109999" + std::to_string(1000 + i % 4), "m" + std::to_string(i), std::nullopt});
    REQUIRE(sent.has_value());
    last = sent->position;
    if (i % 4 == 0) {
      REQUIRE(engine->wait_visible("readmails", last, 5s));
      last = engine->mark_read().mark_read_and_wait({sent->sent.message_id, sent->sent.receiver}).value().position;
    }
  }
  REQUIRE(engine->wait_visible("readmails", testing::log_of(*engine).head(), 5s));
  REQUIRE(engine->wait_visible("alarms", last, 5s));
}

testing::Rows live_rows(const std::string& dir, std::string_view view) {
  auto views = std::move(projections::ViewStore::open(dir + "/views").value());
  return testing::dump(*views, view, views->active_generation(view).value());
}

// Name, size and modification time of every file under dir.
std::string listing(const std::string& dir) {
  std::ostringstream out;
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    out << f.string();
    if (std::filesystem::is_regular_file(f))
      out << " " << std::filesystem::file_size(f) << " " << std::filesystem::last_write_time(f).time_since_epoch().count();
    out << "\n";
  }
  return out.str();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

TEST_CASE("rebuild gives the views the server built, with a summary table") {
  TempDir dir;
  fill(dir.str(), 40);
  const auto readmails = live_rows(dir.str(), "readmails");
  const auto alarms = live_rows(dir.str(), "alarms");
  REQUIRE(readmails.size() > 40);

  auto r = run_process(kReplay, {"rebuild", "--data", dir.str(), "--view", "all", "--json", dir.sub("summary.json")});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("| view | events read | rows written | elapsed s | events/s |") != std::string::npos);
  CHECK(r.out.find("| readmails |") != std::string::npos);
  CHECK(r.err.find("100%") != std::string::npos);  // the last progress line
  CHECK(read_file(dir.sub("summary.json")).find("\"view\":\"alarms\"") != std::string::npos);
  CHECK(live_rows(dir.str(), "readmails") == readmails);
  CHECK(live_rows(dir.str(), "alarms") == alarms);

  auto one = run_process(kReplay, {"rebuild", "--data", dir.str(), "--view", "alarms"});
  CHECK(one.exit_code == 0);
  CHECK(one.out.find("| readmails |") == std::string::npos);
  CHECK(live_rows(dir.str(), "alarms") == alarms);
}

TEST_CASE("verify finds a view row changed or removed behind its back, and writes nothing") {
  TempDir dir;
  fill(dir.str(), 20);
  const std::string before = listing(dir.str());
  auto clean = run_process(kReplay, {"verify", "--data", dir.str()});
  CHECK(clean.exit_code == 0);
  CHECK(clean.out.find("readmails: ") != std::string::npos);
  CHECK(clean.out.find(", 0 differences") != std::string::npos);
  CHECK(run_process(kReplay, {"stats", "--data", dir.str()}).exit_code == 0);
  CHECK(run_process(kReplay, {"dump", "--data", dir.str()}).exit_code == 0);
  CHECK(listing(dir.str()) == before);

  std::string changed_key;
  {
    auto views = std::move(projections::ViewStore::open(dir.sub("views")).value());
    const auto generation = views->active_generation("readmails").value();
    const auto rows = testing::dump(*views, "readmails", generation);
    for (const auto& [key, value] : rows)
      if (key.starts_with("m/")) changed_key = key;  // a message row: its key is printable
    REQUIRE(!changed_key.empty());
    auto writer = views->writer("readmails", generation);
    writer.put(changed_key, "tampered");
    REQUIRE(views->commit(writer, views->checkpoint("readmails", generation).value()).has_value());
  }
  auto tampered = run_process(kReplay, {"verify", "--data", dir.str()});
  CHECK(tampered.exit_code == 1);
  CHECK(tampered.out.find("readmails: row " + changed_key) != std::string::npos);
  CHECK(tampered.out.find("is tampered, should be") != std::string::npos);

  {
    auto views = std::move(projections::ViewStore::open(dir.sub("views")).value());
    const auto generation = views->active_generation("alarms").value();
    auto writer = views->writer("alarms", generation);
    writer.del(testing::dump(*views, "alarms", generation).back().first);
    REQUIRE(views->commit(writer, views->checkpoint("alarms", generation).value()).has_value());
  }
  auto removed = run_process(kReplay, {"verify", "--data", dir.str()});
  CHECK(removed.exit_code == 1);
  CHECK(removed.out.find("alarms: missing row") != std::string::npos);
}

TEST_CASE("dump prints a known log as JSON lines and in the old services' shape") {
  TempDir dir;
  {
    auto log = std::move(eventstore::EventStore::open(dir.sub("log")).value());
    auto with_id = [](app::MailboxEvent e, const char* id, std::uint64_t causation) {
      auto ev = app::to_new_event(e);
      ev.id = *eventstore::parse_event_id(id);
      ev.causation_position = causation;
      return ev;
    };
    const std::int64_t at = 1'700'000'000'000'000;
    REQUIRE(log->append("message-m-1", eventstore::ExpectedVersion::no_stream(),
                        {with_id(app::Sent{"m-1", "01012345678", "01099998888", "안녕 \"hi\"", at, ""},
                                 "11111111-1111-4111-8111-111111111111", 0)})
                .has_value());
    REQUIRE(log->append("message-m-1", eventstore::ExpectedVersion::exactly(1),
                        {with_id(app::Saved{"m-1", "01012345678", "01099998888", "안녕 \"hi\"", at},
                                 "22222222-2222-4222-8222-222222222222", 1),
                         with_id(app::Alarmed{"a-1", "m-1", "01099998888", app::AlarmKind::arrived, "log", at + 1000},
                                 "33333333-3333-4333-8333-333333333333", 2),
                         with_id(app::Read{"m-1", "01099998888", at + 2000}, "44444444-4444-4444-8444-444444444444", 1)})
                .has_value());
  }
  // The envelope's commit time is whenever the test ran: it is masked.
  auto masked = [](std::string text) {
    text = std::regex_replace(text, std::regex(R"("timestamp":"[^"]*")"), R"("timestamp":"*")");
    return std::regex_replace(text, std::regex(R"("timestamp":[0-9]+)"), R"("timestamp":0)");
  };
  auto json = run_process(kReplay, {"dump", "--data", dir.str()});
  CHECK(json.exit_code == 0);
  CHECK(masked(json.out) == read_file(GOLDEN_DIR "/dump.jsonl"));
  auto seed = run_process(kReplay, {"dump", "--data", dir.str(), "--format", "seed"});
  CHECK(seed.exit_code == 0);
  CHECK(masked(seed.out) == read_file(GOLDEN_DIR "/dump_seed.jsonl"));
  auto filtered = run_process(kReplay, {"dump", "--data", dir.str(), "--type", "Sent,Read", "--from", "2"});
  CHECK(filtered.out.find("\"type\":\"Read\"") != std::string::npos);
  CHECK(std::count(filtered.out.begin(), filtered.out.end(), '\n') == 1);
}

TEST_CASE("dump --follow prints events appended after it started, beside a writer") {
  TempDir dir;
  auto log = std::move(eventstore::EventStore::open(dir.sub("log")).value());
  auto event = [](const std::string& id) {
    return app::to_new_event(app::Sent{id, "01012345678", "01099998888", "text " + id, 1, ""});
  };
  REQUIRE(log->append("message-a", eventstore::ExpectedVersion::any(), {event("a")}).has_value());
  ChildProcess follow(kReplay, {"dump", "--data", dir.str(), "--follow"});
  CHECK(follow.read_lines(1, 10s).find("\"messageId\":\"a\"") != std::string::npos);
  REQUIRE(log->append("message-b", eventstore::ExpectedVersion::any(), {event("b")}).has_value());
  const std::string out = follow.read_lines(2, 10s);
  CHECK(out.find("\"messageId\":\"b\"") != std::string::npos);
  follow.kill();
}

TEST_CASE("rebuild refuses a folder in use and points to the online rebuild, while reading commands still work") {
  TempDir dir;
  fill(dir.str(), 5);
  auto log = std::move(eventstore::EventStore::open(dir.sub("log")).value());  // as mailboxd holds it
  auto r = run_process(kReplay, {"rebuild", "--data", dir.str()});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("in use by a running mailboxd") != std::string::npos);
  CHECK(r.err.find("/admin/rebuild") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(run_process(kReplay, {"stats", "--data", dir.str()}).exit_code == 0);
  CHECK(run_process(kReplay, {"verify", "--data", dir.str()}).exit_code == 0);
}

TEST_CASE("bad flags and missing or foreign folders give one line and exit code 2") {
  TempDir dir;
  std::filesystem::create_directories(dir.sub("foreign/log"));
  const std::vector<std::vector<std::string>> bad = {
      {},
      {"frobnicate"},
      {"rebuild"},
      {"rebuild", "--data", dir.sub("absent")},
      {"rebuild", "--data", dir.str(), "--view", "everything"},
      {"dump", "--data", dir.str(), "--format", "xml"},
      {"dump", "--data", dir.str(), "--bogus"},
      {"stats", "--data", dir.sub("foreign")},
      {"verify", "--data", dir.sub("absent")},
  };
  for (const auto& args : bad) {
    CAPTURE(args.size() > 0 ? args[0] : "(none)");
    auto r = run_process(kReplay, args);
    CHECK(r.exit_code == 2);
    if (!args.empty()) CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  }
  for (const char* command : {"rebuild", "verify", "dump", "stats"}) {
    auto help = run_process(kReplay, {command, "--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--data") != std::string::npos);
  }
}
