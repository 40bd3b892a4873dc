// mailbox-replay stats: what the log holds and how far each follower has got.
#include <filesystem>
#include <map>

#include "app/json_writer.h"
#include "app/catalog.h"
#include "tools/replay/commands.h"
#include "tools/replay/data_folder.h"
#include "tools/replay/options.h"
#include "tools/replay/table.h"

namespace mailbox::replay {

namespace {

std::uint64_t folder_bytes(const std::filesystem::path& dir) {
  std::uint64_t total = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) total += it->file_size(ec);
  return total;
}

}  // namespace

int stats_command(const std::vector<std::string>& args) {
  std::string data, json;
  po::options_description flags(
      "mailbox-replay stats: events per type, streams, head position, size on disk, and each\n"
      "view's and policy's checkpoint and lag. Read-only: works beside a running mailboxd.\n\n"
      "Usage: mailbox-replay stats --data DIR [--json FILE]\n\nOptions");
  flags.add_options()("data", po::value(&data)->required(), "the data folder (as mailboxd --data)")(
      "json", po::value(&json), "also write the numbers as JSON to FILE");
  po::variables_map vm;
  if (auto exit = parse_flags("stats", args, flags, vm)) return *exit;

  auto opened = open_log(data, true);
  if (auto* f = std::get_if<Failure>(&opened)) return fail("stats", f->exit_code, f->message);
  auto& log = *std::get<0>(opened);
  std::map<std::string, std::uint64_t> per_type;
  std::uint64_t streams = 0;
  auto s = log.scan_log(1, UINT64_MAX, [&](eventstore::RecordedEvent&& e) {
    ++per_type[e.type];
    if (e.version == 1) ++streams;  // each stream's first event
    return true;
  });
  if (!s) return fail("stats", 1, s.error().message);
  const std::uint64_t head = log.head();

  Table summary{{"what", "value"}, {}};
  summary.rows.push_back({"head position", std::to_string(head)});
  summary.rows.push_back({"streams", std::to_string(streams)});
  for (const auto& [type, n] : per_type) summary.rows.push_back({"events " + type, std::to_string(n)});
  const auto base = std::filesystem::path(data);
  const std::uint64_t log_bytes = folder_bytes(base / "log"), view_bytes = folder_bytes(base / "views");
  summary.rows.push_back({"log size on disk (bytes)", std::to_string(log_bytes)});
  summary.rows.push_back({"views size on disk (bytes)", std::to_string(view_bytes)});
  summary.print();
  std::printf("\n");

  Table followers{{"follower", "kind", "checkpoint", "lag (events)"}, {}};
  app::JsonWriter w;
  w.begin_object().field("head", head).field("streams", streams).key("events").begin_object();
  for (const auto& [type, n] : per_type) w.field(type, n);
  w.end_object().field("log_bytes", log_bytes).field("views_bytes", view_bytes).key("followers").begin_array();
  auto follower = [&](const std::string& name, const char* kind, std::optional<std::uint64_t> cp) {
    const std::string shown = cp ? std::to_string(*cp) : "none";
    const std::string lag = cp ? std::to_string(head - std::min(head, *cp)) : std::to_string(head);
    followers.rows.push_back({name, kind, shown, lag});
    w.begin_object().field("name", name).field("kind", kind).field("checkpoint", cp.value_or(0));
    w.field("lag", head - std::min(head, cp.value_or(0))).end_object();
  };
  for (const auto& policy : app::policies()) {
    auto cp = log.checkpoint(policy.name);
    if (!cp) return fail("stats", 1, cp.error().message);
    follower(std::string(policy.name), "policy", *cp);
  }
  auto views = open_views(data, true);
  if (auto* f = std::get_if<Failure>(&views)) {
    if (f->exit_code != 2) return fail("stats", f->exit_code, f->message);
    for (const auto& v : app::views()) follower(std::string(v.name), "view", std::nullopt);  // no views folder yet
  } else {
    auto& store = *std::get<0>(views);
    for (const auto& v : app::views()) {
      auto generation = store.active_generation(v.name);
      if (!generation) return fail("stats", 1, generation.error().message);
      auto cp = store.checkpoint(v.name, *generation);
      if (!cp) return fail("stats", 1, cp.error().message);
      follower(std::string(v.name), "view", *cp);
    }
  }
  w.end_array().end_object();
  followers.print();
  return write_json_file("stats", json, w.str());
}

}  // namespace mailbox::replay
