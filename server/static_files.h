#pragma once
// The files of the web page, served at GET / (index.html) and GET /<name>: the ones
// built into the binary, or, with --web-dir, the files of a folder read at each request
// (to edit the page without a rebuild). Only plain names of a flat folder are served:
// no subfolders, no dot files. Each file carries a strong ETag (a hash of its bytes).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailbox::server {

struct StaticFile {
  std::string bytes;
  std::string content_type;
  std::string etag;  // quoted, e.g. "\"5f2a...\""
};

class StaticFiles {
 public:
  // Files larger than this are not served from a folder (the page is far smaller).
  static constexpr std::uintmax_t kMaxFileBytes = 4 * 1024 * 1024;

  // The files built into the binary.
  StaticFiles();
  // The files of dir, read at each request.
  explicit StaticFiles(std::filesystem::path dir);

  // The file of that name; nullopt when there is none (or the name is not a plain one).
  std::optional<StaticFile> find(std::string_view name) const;

  // The media type for a file name, by its extension.
  static std::string content_type_of(std::string_view name);
  static std::string etag_of(std::string_view bytes);

 private:
  std::optional<std::filesystem::path> dir_;
  std::vector<StaticFile> embedded_;
  std::vector<std::string> names_;  // of embedded_, same order
};

}  // namespace mailbox::server
