#pragma once
// Runs the real mailboxd binary on an ephemeral loopback port, for tests that need the
// whole process (signals, readiness, restarts).

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace mailbox::testing {

struct Mailboxd {
  std::unique_ptr<ChildProcess> process;
  std::uint16_t port = 0;
};

// Starts mailboxd with --listen 127.0.0.1:0 and the given arguments, and waits for the
// port it prints. Throws when it does not start.
inline Mailboxd start_mailboxd(const std::string& path, std::vector<std::string> args) {
  args.insert(args.end(), {"--listen", "127.0.0.1:0"});
  Mailboxd m{std::make_unique<ChildProcess>(path, args), 0};
  const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  std::smatch match;
  std::string out;
  for (std::size_t lines = 1; lines < 200 && !std::regex_search(out, match, listening); ++lines)
    out = m.process->read_lines(lines, std::chrono::milliseconds(100));
  if (!std::regex_search(out, match, listening)) throw std::runtime_error("mailboxd did not start: " + out);
  m.port = static_cast<std::uint16_t>(std::stoi(match[1]));
  return m;
}

}  // namespace mailbox::testing
