#pragma once
// Matching request paths against route patterns: literal segments, "{name}" for one
// segment, and a last "{name...}" for the rest of the path (slashes included). Empty
// segments ("//") are skipped, as the seed's servers did.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mailbox::server {

class PathParams {
 public:
  // The value matched by "{name}" or "{name...}"; empty when the pattern has none.
  std::string_view get(std::string_view name) const {
    auto it = values_.find(name);
    return it == values_.end() ? std::string_view() : std::string_view(it->second);
  }
  void set(std::string_view name, std::string value) { values_.insert_or_assign(std::string(name), std::move(value)); }

 private:
  std::map<std::string, std::string, std::less<>> values_;
};

// The parameters when path matches pattern; nullopt otherwise. Patterns are trusted
// (the route table's); paths are not.
std::optional<PathParams> match_path(std::string_view pattern, std::string_view path);

}  // namespace mailbox::server
