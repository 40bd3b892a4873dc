#pragma once
// Parsing a subcommand's flags with Boost.program_options, with the tool's error
// conventions: --help prints and exits 0; a bad flag is one line on stderr, exit 2.

#include <boost/program_options.hpp>

#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace mailbox::replay {

namespace po = boost::program_options;

// Returns nullopt when parsing succeeded; otherwise the exit code to return.
inline std::optional<int> parse_flags(const std::string& command, const std::vector<std::string>& args,
                                      po::options_description& flags, po::variables_map& vm) {
  flags.add_options()("help,h", "print this help and exit");
  try {
    po::store(po::command_line_parser(args).options(flags).run(), vm);
    if (vm.count("help")) {
      std::ostringstream help;
      help << flags;
      std::printf("%s", help.str().c_str());
      return 0;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "mailbox-replay %s: %s (see mailbox-replay %s --help)\n", command.c_str(), e.what(),
                 command.c_str());
    return 2;
  }
  return std::nullopt;
}

inline int fail(const std::string& command, int code, const std::string& message) {
  std::fprintf(stderr, "mailbox-replay %s: %s\n", command.c_str(), message.c_str());
  return code;
}

// Writes a command's --json FILE (nothing when file is empty). Returns 0, or 1 after
// saying on stderr that it could not.
inline int write_json_file(const std::string& command, const std::string& file, const std::string& json) {
  if (file.empty()) return 0;
  std::ofstream out(file);
  out << json << "\n";
  return out ? 0 : fail(command, 1, "cannot write " + file);
}

}  // namespace mailbox::replay
