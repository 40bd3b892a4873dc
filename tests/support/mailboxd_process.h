#pragma once
// Runs the real mailboxd binary on an ephemeral loopback port, for tests that need the
// whole process (signals, readiness, restarts).

#include <atomic>
#include <cstdint>
#include <memory>
#include <regex>
#include <thread>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace mailbox::testing {

struct Mailboxd {
  std::unique_ptr<ChildProcess> process;
  std::uint16_t port = 0;
};

// Waits for the port a starting mailboxd prints. Throws when it does not start.
inline Mailboxd wait_listening(std::unique_ptr<ChildProcess> process) {
  Mailboxd m{std::move(process), 0};
  const std::regex listening(R"(listening on http://127\.0\.0\.1:(\d+))");
  std::smatch match;
  std::string out;
  for (std::size_t lines = 1; lines < 200 && !std::regex_search(out, match, listening); ++lines) {
    out = m.process->read_lines(lines, std::chrono::milliseconds(100));
    if (!std::regex_search(out, match, listening) && m.process->exited()) {
      // It has said all it will: no use waiting out the bound.
      auto result = m.process->wait(std::chrono::seconds(1));
      out = result.out;
      if (std::regex_search(out, match, listening)) break;  // it listened, then exited
      throw std::runtime_error("mailboxd exited (code " + std::to_string(result.exit_code) +
                               ") before it listened: " + result.out + result.err);
    }
  }
  if (!std::regex_search(out, match, listening)) throw std::runtime_error("mailboxd did not start: " + out + m.process->err());
  m.port = static_cast<std::uint16_t>(std::stoi(match[1]));
  return m;
}

// Starts mailboxd with --listen 127.0.0.1:0 and the given arguments, and waits for the
// port it prints. Throws when it does not start.
inline Mailboxd start_mailboxd(const std::string& path, std::vector<std::string> args) {
  args.insert(args.end(), {"--listen", "127.0.0.1:0"});
  return wait_listening(std::make_unique<ChildProcess>(path, args));
}

// Starts mailboxd on a listening loopback socket passed as systemd passes it (see
// ChildProcess), and waits for it to say so. Throws when it does not start.
inline Mailboxd start_mailboxd_on(const std::string& path, const std::vector<std::string>& args, int listen_fd) {
  return wait_listening(std::make_unique<ChildProcess>(path, args, std::vector<std::string>{}, listen_fd));
}

// A mailboxd whose output is read all along on a thread of its own: a pipe nobody reads
// fills after 64 KiB (an alarm logs a line per send) and then blocks every thread that
// logs. For tests that run loads; stop() sends SIGTERM and returns what it printed.
class DrainedMailboxd {
 public:
  explicit DrainedMailboxd(Mailboxd m) : m_(std::move(m)), port(m_.port) {
    drain_ = std::thread([this] {
      while (!stop_) (void)m_.process->read_lines(SIZE_MAX, std::chrono::milliseconds(50));
    });
  }
  ~DrainedMailboxd() {
    if (drain_.joinable()) (void)stop();
  }
  DrainedMailboxd(const DrainedMailboxd&) = delete;
  DrainedMailboxd& operator=(const DrainedMailboxd&) = delete;
  pid_t pid() const { return m_.process->pid(); }
  // SIGTERM, then waits for the exit (killing it after 20 s).
  ProcessResult stop() { return end(SIGTERM); }
  // SIGKILL: a crash, or the machine lost.
  ProcessResult kill() { return end(SIGKILL); }
  // Waits for an exit the process chose (killing it after `bound`).
  ProcessResult wait(std::chrono::milliseconds bound) {
    stop_ = true;
    if (drain_.joinable()) drain_.join();
    return m_.process->wait(bound);
  }

 private:
  ProcessResult end(int signal) {
    stop_ = true;
    if (drain_.joinable()) drain_.join();
    m_.process->signal(signal);
    return m_.process->wait(std::chrono::seconds(20));
  }
  Mailboxd m_;
  std::atomic<bool> stop_{false};
  std::thread drain_;

 public:
  const std::uint16_t port;
};

}  // namespace mailbox::testing
