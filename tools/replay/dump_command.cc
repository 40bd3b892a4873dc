// mailbox-replay dump: the log as JSON lines, in our shape or the old services' Kafka
// shape; --follow keeps printing as events commit (beside a running mailboxd).
#include <chrono>
#include <set>
#include <sstream>
#include <thread>

#include "app/event_json.h"
#include "tools/replay/commands.h"
#include "tools/replay/data_folder.h"
#include "tools/replay/options.h"

namespace mailbox::replay {

int dump_command(const std::vector<std::string>& args) {
  std::string data, format = "json", stream;
  std::vector<std::string> types;
  std::uint64_t from = 1;
  po::options_description flags(
      "mailbox-replay dump: print the log as JSON lines (envelope and decoded event)\n"
      "Opens the log read-only: works beside a running mailboxd and writes nothing.\n\n"
      "Usage: mailbox-replay dump --data DIR [--from POS] [--type T]... [--stream S] [--follow] [--format json|seed]\n\n"
      "Options");
  flags.add_options()("data", po::value(&data)->required(), "the data folder (as mailboxd --data)")(
      "from", po::value(&from)->default_value(from), "first position")(
      "type", po::value(&types)->composing(), "only events of this type (repeat, or a comma-separated list)")(
      "stream", po::value(&stream), "only events of this stream")(
      "follow", "keep printing events as they commit, until interrupted")(
      "format", po::value(&format)->default_value(format),
      "json (envelope and data) or seed (the old services' Kafka shape: eventType, timestamp, user, ...)");
  po::variables_map vm;
  if (auto exit = parse_flags("dump", args, flags, vm)) return *exit;
  if (format != "json" && format != "seed") return fail("dump", 2, "--format must be json or seed, not '" + format + "'");
  std::set<std::string, std::less<>> wanted;
  for (const auto& t : types) {
    std::stringstream list(t);
    for (std::string one; std::getline(list, one, ',');)
      if (!one.empty()) wanted.insert(one);
  }
  const bool follow = vm.count("follow") > 0;

  auto opened = open_log(data, true);
  if (auto* f = std::get_if<Failure>(&opened)) return fail("dump", f->exit_code, f->message);
  auto& log = *std::get<0>(opened);
  std::uint64_t next = std::max<std::uint64_t>(from, 1);
  for (;;) {
    std::string out;
    auto s = log.scan_log(next, 10'000, [&](eventstore::RecordedEvent&& e) {
      next = e.position + 1;
      if ((!wanted.empty() && !wanted.contains(e.type)) || (!stream.empty() && e.stream != stream)) return true;
      if (format == "seed" && !app::has_seed_shape(e.type)) return true;
      out += format == "seed" ? app::seed_event_json(e) : app::recorded_event_json(e);
      out += '\n';
      return true;
    });
    if (!s) return fail("dump", 1, s.error().message);
    if (!out.empty()) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      std::fflush(stdout);
      if (std::ferror(stdout)) return 1;  // the reader went away
    }
    if (next <= log.head()) continue;  // more to print already
    if (!follow) return 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (auto r = log.refresh(); !r) return fail("dump", 1, r.error().message);
  }
}

}  // namespace mailbox::replay
