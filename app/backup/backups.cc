#include "app/backup/backups.h"

#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <fstream>
#include <tuple>

namespace mailbox::backup {

namespace fs = std::filesystem;

namespace {

// Makes a file's or a folder's content (a folder: its names) durable.
Status sync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(Code::unavailable, "cannot open '" + path.string() + "' to sync it");
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return fail(Code::unavailable, "cannot sync '" + path.string() + "'");
  return {};
}

std::string name_for(std::int64_t unix_seconds, std::uint64_t last_position) {
  return utc_time(unix_seconds, "%Y%m%dT%H%M%SZ") + "-" + std::to_string(last_position);
}

// The folder a backup is made in, removed on every way out unless kept.
class Partial {
 public:
  explicit Partial(const fs::path& dir) {
    std::string pattern = (dir / (std::string(kIncompletePrefix) + "XXXXXX")).string();
    if (::mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~Partial() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  Partial(const Partial&) = delete;
  Partial& operator=(const Partial&) = delete;
  const fs::path& path() const { return path_; }  // empty: it could not be made
  void keep() { path_.clear(); }

 private:
  fs::path path_;
};

Status write_manifest(const fs::path& folder, const Manifest& manifest) {
  const fs::path file = folder / kManifestFile;
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << to_json(manifest);
    out.close();
    if (!out) return fail(Code::unavailable, "cannot write '" + file.string() + "'");
  }
  return sync_path(file);
}

}  // namespace

Result<Taken> take_backup(const eventstore::EventStore& log, const fs::path& dir, const std::stop_token& stop) {
  const auto started = std::chrono::steady_clock::now();
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return fail(Code::unavailable, "cannot make the backup folder '" + dir.string() + "': " + ec.message());
  Partial partial(dir);
  if (partial.path().empty()) return fail(Code::unavailable, "cannot make a folder in '" + dir.string() + "'");
  auto stopped = [] { return fail(Code::unavailable, "the backup was stopped (shutting down)"); };

  Manifest manifest;
  manifest.created_unix = std::time(nullptr);
  auto last = log.copy_to((partial.path() / kLogFolder).string());
  if (!last) return std::unexpected(last.error());
  if (stop.stop_requested()) return stopped();
  manifest.last_position = manifest.events = *last;
  auto files = describe_files(partial.path(), stop);
  if (!files) return files.error().code == Code::aborted ? stopped() : std::unexpected(files.error());
  manifest.files = std::move(*files);

  // A unique name: two backups in one second of one position get a suffix.
  manifest.name = name_for(manifest.created_unix, manifest.last_position);
  const std::string base = manifest.name;
  for (int n = 2; fs::exists(dir / manifest.name, ec); ++n) manifest.name = base + "-" + std::to_string(n);
  if (auto s = write_manifest(partial.path(), manifest); !s) return std::unexpected(s.error());
  if (auto s = sync_path(partial.path()); !s) return std::unexpected(s.error());
  const fs::path final_path = dir / manifest.name;
  fs::rename(partial.path(), final_path, ec);
  if (ec) return fail(Code::unavailable, "cannot rename the backup to '" + final_path.string() + "': " + ec.message());
  partial.keep();
  if (auto s = sync_path(dir); !s) return std::unexpected(s.error());

  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return Taken{manifest.name, final_path, manifest.last_position, manifest.events, manifest.bytes(), seconds};
}

Status copy_log(const fs::path& folder, const Manifest& manifest, const fs::path& to) {
  std::error_code ec;
  fs::create_directories(to, ec);
  if (ec) return fail(Code::unavailable, "cannot make '" + to.string() + "': " + ec.message());
  for (const auto& f : manifest.files) {
    const fs::path target = to / fs::path(f.path).lexically_relative(kLogFolder);
    fs::create_directories(target.parent_path(), ec);
    if (!ec) fs::copy_file(folder / f.path, target, ec);
    if (ec) return fail(Code::unavailable, "cannot copy " + f.path + ": " + ec.message());
    if (auto s = sync_path(target); !s) return s;
  }
  for (auto it = fs::recursive_directory_iterator(to, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_directory(ec))
      if (auto s = sync_path(it->path()); !s) return s;
  return sync_path(to);
}

Result<Listing> list_backups(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return fail(Code::not_found, "no backup folder '" + dir.string() + "'");
  Listing listing;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (!it->is_directory(ec)) continue;
    const std::string name = it->path().filename().string();
    auto manifest = read_manifest(it->path());
    if (manifest && !name.starts_with(kIncompletePrefix)) listing.backups.push_back({it->path(), std::move(*manifest)});
    else listing.others.push_back(name);
  }
  if (ec) return fail(Code::unavailable, "cannot list '" + dir.string() + "': " + ec.message());
  std::sort(listing.backups.begin(), listing.backups.end(), [](const Listed& a, const Listed& b) {
    const auto& x = a.manifest;
    const auto& y = b.manifest;
    return std::tie(x.created_unix, x.last_position, x.name) < std::tie(y.created_unix, y.last_position, y.name);
  });
  std::sort(listing.others.begin(), listing.others.end());
  return listing;
}

}  // namespace mailbox::backup
