#pragma once
// Command-line flags of the benchmark programs: "--name VALUE" pairs and --help. A
// wrong flag is one line on stderr and exit code 2.

#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

namespace mailbox::bench {

inline std::map<std::string, std::string> parse_args(int argc, char** argv, const std::string& program,
                                                     const std::string& usage, const std::vector<std::string>& names) {
  std::map<std::string, std::string> values;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::printf("%s\n", usage.c_str());
      std::exit(0);
    }
    bool known = false;
    for (const auto& n : names) known = known || a == "--" + n;
    if (!known) {
      std::fprintf(stderr, "%s: unknown option %s (see --help)\n", program.c_str(), a.c_str());
      std::exit(2);
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "%s: %s needs a value\n", program.c_str(), a.c_str());
      std::exit(2);
    }
    values[a.substr(2)] = argv[++i];
  }
  return values;
}

// A fresh folder under /var/tmp (a disk, not tmpfs) for a benchmark's databases.
inline std::string scratch_dir() {
  std::string pattern = "/var/tmp/mailbox-bench-XXXXXX";
  if (!::mkdtemp(pattern.data())) {
    std::perror("mkdtemp");
    std::exit(1);
  }
  return pattern;
}

}  // namespace mailbox::bench
