#include "server/router.h"

namespace mailbox::server {

namespace {

// The next non-empty segment of text from at on, and where it starts; at moves past it.
std::optional<std::pair<std::string_view, std::size_t>> next_segment(std::string_view text, std::size_t& at) {
  while (at < text.size() && text[at] == '/') ++at;
  if (at >= text.size()) return std::nullopt;
  const std::size_t start = at;
  while (at < text.size() && text[at] != '/') ++at;
  return std::make_pair(text.substr(start, at - start), start);
}

}  // namespace

std::optional<PathParams> match_path(std::string_view pattern, std::string_view path) {
  PathParams params;
  std::size_t p = 0, q = 0;
  for (;;) {
    auto want = next_segment(pattern, p);
    auto have = next_segment(path, q);
    if (!want) return have ? std::nullopt : std::optional<PathParams>(std::move(params));
    if (!have) return std::nullopt;
    const std::string_view w = want->first;
    if (w.size() > 2 && w.front() == '{' && w.back() == '}') {
      std::string_view name = w.substr(1, w.size() - 2);
      if (name.ends_with("...")) {  // the rest of the path, as sent
        name.remove_suffix(3);
        params.set(name, std::string(path.substr(have->second)));
        return params;
      }
      params.set(name, std::string(have->first));
    } else if (w != have->first) {
      return std::nullopt;
    }
  }
}

}  // namespace mailbox::server
