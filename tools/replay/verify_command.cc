// mailbox-replay verify: rebuilds the views into a temporary place and compares them
// with the live ones. Writes nothing to the data folder.
#include <unistd.h>

#include <filesystem>

#include "app/catalog.h"
#include "core/projections/rebuild.h"
#include "tools/replay/commands.h"
#include "tools/replay/compare_logs.h"
#include "tools/replay/data_folder.h"
#include "tools/replay/options.h"

namespace mailbox::replay {

namespace {

// Bytes as text: printable ASCII kept, the rest as \xNN.
std::string shown(std::string_view bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

using Rows = std::vector<std::pair<std::string, std::string>>;

// A scratch folder for the rebuilt views, removed on every way out.
class ScratchFolder {
 public:
  ScratchFolder() {
    std::string pattern = (std::filesystem::temp_directory_path() / "mailbox-verify-XXXXXX").string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);
  }
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  const std::string& path() const { return path_; }  // empty: it could not be made

 private:
  std::string path_;
};

Rows rows_of(const projections::ViewStore& views, std::string_view view, std::uint64_t generation,
             std::string& error) {
  Rows rows;
  auto s = views.dump(view, generation, [&](std::string_view k, std::string_view v) {
    rows.emplace_back(std::string(k), std::string(v));
    return true;
  });
  if (!s) error = s.error().message;
  return rows;
}

}  // namespace

int verify_command(const std::vector<std::string>& args) {
  std::string data, against;
  std::size_t show = 10;
  po::options_description flags(
      "mailbox-replay verify: rebuild the views elsewhere and compare them with the live ones, or, with\n"
      "--against, compare the log with another folder's (positions, event ids, envelope bytes, event-id\n"
      "rows, checkpoints; a writer's and its replica's, say).\n"
      "Exit 0 when they are equal, 1 when not. Writes nothing to the data folder; works beside mailboxd.\n\n"
      "Usage: mailbox-replay verify --data DIR [--show N]\n"
      "       mailbox-replay verify --data DIR --against OTHER_DIR\n\nOptions");
  flags.add_options()("data", po::value(&data)->required(), "the data folder (as mailboxd --data)")(
      "show", po::value(&show)->default_value(show), "how many differences to print per view")(
      "against", po::value(&against), "another data folder whose log must be the same");
  po::variables_map vm;
  if (auto exit = parse_flags("verify", args, flags, vm)) return *exit;
  if (!against.empty()) {
    auto mine = open_log(data, true);
    if (auto* f = std::get_if<Failure>(&mine)) return fail("verify", f->exit_code, f->message);
    auto theirs = open_log(against, true);
    if (auto* f = std::get_if<Failure>(&theirs)) return fail("verify", f->exit_code, f->message);
    return compare_logs(*std::get<0>(mine), data, *std::get<0>(theirs), against);
  }

  auto log = open_log(data, true);
  if (auto* f = std::get_if<Failure>(&log)) return fail("verify", f->exit_code, f->message);
  auto live = open_views(data, true);
  if (auto* f = std::get_if<Failure>(&live)) return fail("verify", f->exit_code, f->message);
  ScratchFolder scratch_folder;
  if (scratch_folder.path().empty()) return fail("verify", 1, "cannot make a scratch folder under the temp folder");
  int exit = 0;
  {
    auto scratch = projections::ViewStore::open(scratch_folder.path());
    if (!scratch) return fail("verify", 1, scratch.error().message);
    auto& views = *std::get<0>(live);
    for (const auto& entry : app::views()) {
      const auto projection = entry.make();
      const std::string name(entry.name);
      const auto generation = views.active_generation(name);
      if (!generation) return fail("verify", 1, generation.error().message);
      auto checkpoint = views.checkpoint(name, *generation);
      if (!checkpoint) return fail("verify", 1, checkpoint.error().message);
      // Compare like with like: rebuild up to where the live view has got.
      auto fresh = projections::build_generation(*std::get<0>(log), **scratch, *projection, *checkpoint);
      if (!fresh) return fail("verify", 1, fresh.error().message);
      std::string error;
      const Rows want = rows_of(**scratch, name, fresh->generation, error);
      const Rows have = rows_of(views, name, *generation, error);
      if (!error.empty()) return fail("verify", 1, error);

      std::size_t differences = 0;
      auto report = [&](const std::string& what) {
        if (differences++ < show) std::printf("%s: %s\n", name.c_str(), what.c_str());
      };
      std::size_t i = 0, j = 0;
      while (i < want.size() || j < have.size()) {
        if (j == have.size() || (i < want.size() && want[i].first < have[j].first)) {
          report("missing row " + shown(want[i].first) + " (should be " + shown(want[i].second) + ")");
          ++i;
        } else if (i == want.size() || have[j].first < want[i].first) {
          report("extra row " + shown(have[j].first) + " = " + shown(have[j].second));
          ++j;
        } else {
          if (want[i].second != have[j].second)
            report("row " + shown(want[i].first) + " is " + shown(have[j].second) + ", should be " +
                   shown(want[i].second));
          ++i, ++j;
        }
      }
      std::printf("%s: %zu rows checked up to position %llu, %zu difference%s\n", name.c_str(), want.size(),
                  static_cast<unsigned long long>(*checkpoint), differences, differences == 1 ? "" : "s");
      if (differences) exit = 1;
    }
  }
  return exit;
}

}  // namespace mailbox::replay
