#pragma once
// The web inbox's files (web/), built into the binary by server/embed_web.cmake so that
// one binary serves the page. static_files.h serves them (or a folder on disk instead).

#include <span>
#include <string_view>

namespace mailbox::server {

struct WebAsset {
  std::string_view name;   // a file name of web/, e.g. "index.html"
  std::string_view bytes;  // static storage: valid for the life of the process
};

// Every file of web/ as it was at build time, sorted by name.
std::span<const WebAsset> embedded_web_assets();

}  // namespace mailbox::server
