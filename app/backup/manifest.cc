#include "app/backup/manifest.h"

#include <simdjson.h>

#include <algorithm>
#include <ctime>
#include <fstream>
#include <map>
#include <sstream>

#include "app/backup/sha256.h"
#include "app/json_writer.h"

namespace mailbox::backup {

namespace fs = std::filesystem;

namespace {

// A path a manifest may name: relative, under log/, without "." or ".." parts.
bool safe_path(const std::string& path) {
  const fs::path p(path);
  if (p.is_absolute() || p.empty() || *p.begin() != kLogFolder) return false;
  for (const auto& part : p)
    if (part == "." || part == ".." || part.empty()) return false;
  return std::distance(p.begin(), p.end()) >= 2;
}

Error damaged(const fs::path& folder, const std::string& what) {
  return Error{Code::corruption, "the backup in '" + folder.string() + "' is damaged: " + what, std::nullopt, {}, {}};
}

}  // namespace

std::string utc_time(std::int64_t unix_seconds, const char* format) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char out[64];
  return std::string(out, std::strftime(out, sizeof out, format, &tm));
}

std::uint64_t Manifest::bytes() const {
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.bytes;
  return total;
}

std::string to_json(const Manifest& m) {
  app::JsonWriter w;
  w.begin_object().field("format", kFormat).field("name", m.name);
  w.field("createdAt", utc_time(m.created_unix, "%Y-%m-%dT%H:%M:%SZ")).field("createdUnix", static_cast<std::int64_t>(m.created_unix));
  w.field("lastPosition", m.last_position).field("events", m.events).field("bytes", m.bytes());
  w.key("files").begin_array();
  for (const auto& f : m.files) w.begin_object().field("path", f.path).field("bytes", f.bytes).field("sha256", f.sha256).end_object();
  w.end_array().end_object();
  return w.take() + "\n";
}

Result<Manifest> parse_manifest(std::string_view json) {
  auto bad = [](const std::string& why) { return fail(Code::invalid_argument, "the manifest " + why); };
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) return bad("is not JSON");
  std::string_view format, name;
  if (root["format"].get(format) != simdjson::SUCCESS || format != kFormat)
    return bad("is not of the format " + std::string(kFormat));
  Manifest m;
  simdjson::dom::array files;
  if (root["name"].get(name) != simdjson::SUCCESS || root["createdUnix"].get(m.created_unix) != simdjson::SUCCESS ||
      root["lastPosition"].get(m.last_position) != simdjson::SUCCESS ||
      root["events"].get(m.events) != simdjson::SUCCESS || root["files"].get(files) != simdjson::SUCCESS)
    return bad("lacks name, createdUnix, lastPosition, events or files");
  m.name = std::string(name);
  for (auto file : files) {
    std::string_view path, sha256;
    BackupFile f;
    if (file["path"].get(path) != simdjson::SUCCESS || file["bytes"].get(f.bytes) != simdjson::SUCCESS ||
        file["sha256"].get(sha256) != simdjson::SUCCESS)
      return bad("has a file without path, bytes or sha256");
    f.path = std::string(path);
    f.sha256 = std::string(sha256);
    if (!safe_path(f.path)) return bad("names a file outside " + std::string(kLogFolder) + "/: '" + f.path + "'");
    m.files.push_back(std::move(f));
  }
  return m;
}

Result<std::vector<BackupFile>> describe_files(const fs::path& folder, const std::stop_token& stop) {
  std::vector<BackupFile> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder / kLogFolder, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    BackupFile f;
    f.path = it->path().lexically_relative(folder).generic_string();
    f.bytes = it->file_size(ec);
    if (ec) break;
    auto sum = sha256_of_file(it->path(), stop);
    if (!sum) return std::unexpected(sum.error());
    f.sha256 = std::move(*sum);
    files.push_back(std::move(f));
  }
  if (ec) return fail(Code::unavailable, "cannot list '" + (folder / kLogFolder).string() + "': " + ec.message());
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return files;
}

Result<Manifest> read_manifest(const fs::path& folder) {
  std::ifstream in(folder / kManifestFile, std::ios::binary);
  if (!in)
    return fail(Code::not_found, "'" + folder.string() + "' has no " + std::string(kManifestFile) +
                                     ": it is not a backup, or an incomplete one");
  std::stringstream text;
  text << in.rdbuf();
  auto manifest = parse_manifest(text.str());
  if (!manifest)
    return fail(Code::invalid_argument, "'" + (folder / kManifestFile).string() + "': " + manifest.error().message);
  return manifest;
}

Result<Manifest> check_backup(const fs::path& folder) {
  auto manifest = read_manifest(folder);
  if (!manifest) return manifest;
  std::map<std::string, const BackupFile*> listed;
  for (const auto& f : manifest->files) listed[f.path] = &f;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(folder / kLogFolder, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const std::string path = it->path().lexically_relative(folder).generic_string();
    if (it->is_regular_file(ec) && !listed.contains(path))
      return std::unexpected(damaged(folder, path + " is not in the manifest"));
  }
  if (ec) return std::unexpected(damaged(folder, "its " + std::string(kLogFolder) + "/ cannot be listed: " + ec.message()));
  for (const auto& f : manifest->files) {
    const fs::path file = folder / f.path;
    const auto bytes = fs::file_size(file, ec);
    if (ec) return std::unexpected(damaged(folder, f.path + " is missing"));
    if (bytes != f.bytes)
      return std::unexpected(damaged(folder, f.path + " is " + std::to_string(bytes) + " bytes, the manifest says " +
                                                 std::to_string(f.bytes)));
    auto sum = sha256_of_file(file);
    if (!sum) return std::unexpected(damaged(folder, sum.error().message));
    if (*sum != f.sha256) return std::unexpected(damaged(folder, f.path + " does not match its SHA-256 in the manifest"));
  }
  return manifest;
}

}  // namespace mailbox::backup
