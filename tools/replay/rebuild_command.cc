// mailbox-replay rebuild: rebuilds views from the log, offline.
#include <chrono>
#include <thread>

#include "app/json_writer.h"
#include "app/catalog.h"
#include "core/projections/rebuild.h"
#include "tools/replay/commands.h"
#include "tools/replay/data_folder.h"
#include "tools/replay/options.h"
#include "tools/replay/progress.h"
#include "tools/replay/table.h"

namespace mailbox::replay {

namespace {

// "readmails, alarms": the catalog's views.
std::string view_list() {
  std::string out;
  for (const auto& entry : app::views()) out += (out.empty() ? "" : ", ") + std::string(entry.name);
  return out;
}

}  // namespace

int rebuild_command(const std::vector<std::string>& args) {
  std::string data, view = "all", json;
  po::options_description flags(
      "mailbox-replay rebuild: rebuild views from the log, offline (no alarm is sent again)\n\n"
      "Usage: mailbox-replay rebuild --data DIR [--view NAME|all] [--json FILE]\n\nOptions");
  flags.add_options()("data", po::value(&data)->required(), "the data folder (as mailboxd --data)")(
      "view", po::value(&view)->default_value(view), ("one view (" + view_list() + ") or all").c_str())(
      "json", po::value(&json), "also write the summary as JSON to FILE");
  po::variables_map vm;
  if (auto exit = parse_flags("rebuild", args, flags, vm)) return *exit;
  if (view != "all" && !app::find_view(view))
    return fail("rebuild", 2, "--view must be one of " + view_list() + " or all, not '" + view + "'");

  // Writable opens take the folder's locks: a running mailboxd makes them fail.
  auto log = open_log(data, false);
  if (auto* f = std::get_if<Failure>(&log)) return fail("rebuild", f->exit_code, f->message);
  auto views = open_views(data, false);
  if (auto* f = std::get_if<Failure>(&views)) return fail("rebuild", f->exit_code, f->message);
  auto& store = *std::get<0>(log);
  auto& view_store = *std::get<0>(views);

  std::vector<std::unique_ptr<projections::Projection>> chosen;
  for (const auto& entry : app::views())
    if (view == "all" || view == entry.name) chosen.push_back(entry.make());

  const std::uint64_t head = store.head();
  Progress progress(chosen.size() > 1 ? "rebuild (" + std::to_string(chosen.size()) + " views)" : "rebuild " + view,
                    head * chosen.size());
  std::vector<std::atomic<std::uint64_t>> done(chosen.size());
  struct Outcome {
    eventstore::Result<projections::RebuildResult> result = eventstore::fail(eventstore::Code::internal, "not run");
    double seconds = 0;
  };
  std::vector<Outcome> outcomes(chosen.size());
  std::vector<std::thread> threads;  // one view per thread: they share nothing but the log
  for (std::size_t i = 0; i < chosen.size(); ++i)
    threads.emplace_back([&, i] {
      const auto started = std::chrono::steady_clock::now();
      outcomes[i].result = projections::rebuild_offline(store, view_store, *chosen[i], [&](std::uint64_t position) {
        done[i] = position;
        std::uint64_t sum = 0;
        for (auto& d : done) sum += d;
        progress.update(sum);
      });
      outcomes[i].seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    });
  for (auto& t : threads) t.join();
  for (std::size_t i = 0; i < chosen.size(); ++i)
    if (outcomes[i].result) done[i] = head;
  std::uint64_t sum = 0;
  for (auto& d : done) sum += d;
  progress.update(sum);
  progress.finish();

  Table table{{"view", "events read", "rows written", "elapsed s", "events/s"}, {}};
  app::JsonWriter w;
  w.begin_array();
  int exit = 0;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    const std::string name(chosen[i]->name());
    if (!outcomes[i].result) {
      std::fprintf(stderr, "mailbox-replay rebuild: %s: %s\n", name.c_str(), outcomes[i].result.error().message.c_str());
      exit = 1;
      continue;
    }
    const auto& r = *outcomes[i].result;
    const double rate = outcomes[i].seconds > 0 ? static_cast<double>(r.position) / outcomes[i].seconds : 0;
    char elapsed[32], per_second[32];
    std::snprintf(elapsed, sizeof elapsed, "%.2f", outcomes[i].seconds);
    std::snprintf(per_second, sizeof per_second, "%.0f", rate);
    table.rows.push_back({name, std::to_string(r.position), std::to_string(r.rows_written), elapsed, per_second});
    w.begin_object().field("view", name).field("events_read", r.position).field("rows_written", r.rows_written);
    w.key("elapsed_seconds").raw(elapsed).key("events_per_second").raw(per_second);
    w.field("generation", r.generation).end_object();
  }
  w.end_array();
  table.print();
  if (int failed = write_json_file("rebuild", json, w.str())) return failed;
  return exit;
}

}  // namespace mailbox::replay
