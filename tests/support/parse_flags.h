#pragma once
// mailboxd's flags parsed as its main parses them (server::parse_config), from the
// arguments after the program's name: for the tests of flags and their bounds.

#include <string>
#include <variant>
#include <vector>

#include "server/config.h"

namespace mailbox::testing {

inline std::variant<server::Config, server::ConfigExit> parse_flags(std::vector<std::string> args) {
  args.insert(args.begin(), "mailboxd");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  return server::parse_config(static_cast<int>(argv.size()), argv.data());
}

}  // namespace mailbox::testing
