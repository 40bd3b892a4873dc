#pragma once
// A small table printed as markdown, for the tool's summaries.

#include <cstdio>
#include <string>
#include <vector>

namespace mailbox::replay {

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;

  void print(std::FILE* out = stdout) const {
    auto line = [&](const std::vector<std::string>& cells) {
      std::fprintf(out, "|");
      for (const auto& c : cells) std::fprintf(out, " %s |", c.c_str());
      std::fprintf(out, "\n");
    };
    line(header);
    std::fprintf(out, "|");
    for (std::size_t i = 0; i < header.size(); ++i) std::fprintf(out, "---|");
    std::fprintf(out, "\n");
    for (const auto& r : rows) line(r);
  }
};

}  // namespace mailbox::replay
