#include "server/static_files.h"

#include <array>
#include <fstream>
#include <sstream>

#include "server/web_assets.h"

namespace mailbox::server {

namespace {

bool plain_name(std::string_view name) {
  return !name.empty() && name.size() <= 255 && name.front() != '.' &&
         name.find_first_of("/\\") == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

}  // namespace

StaticFiles::StaticFiles() {
  for (const auto& a : embedded_web_assets()) {
    names_.emplace_back(a.name);
    embedded_.push_back(StaticFile{std::string(a.bytes), content_type_of(a.name), etag_of(a.bytes)});
  }
}

StaticFiles::StaticFiles(std::filesystem::path dir) : dir_(std::move(dir)) {}

std::optional<StaticFile> StaticFiles::find(std::string_view name) const {
  if (!plain_name(name)) return std::nullopt;
  if (!dir_) {
    for (std::size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return embedded_[i];
    return std::nullopt;
  }
  const std::filesystem::path path = *dir_ / std::string(name);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) > kMaxFileBytes || ec)
    return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  std::string content = std::move(bytes).str();
  if (content.size() > kMaxFileBytes) return std::nullopt;
  return StaticFile{content, content_type_of(name), etag_of(content)};
}

std::string StaticFiles::content_type_of(std::string_view name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kTypes = {{
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
  }};
  for (const auto& [ext, type] : kTypes)
    if (name.ends_with(ext)) return std::string(type);
  return "application/octet-stream";
}

std::string StaticFiles::etag_of(std::string_view bytes) {
  // FNV-1a, 64 bits: a validator, not a defence (the bytes are the server's own).
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (int shift = 60; shift >= 0; shift -= 4) tag += kHex[(h >> shift) & 0xf];
  tag += '-' + std::to_string(bytes.size()) + '"';
  return tag;
}

}  // namespace mailbox::server
