// Test helper: runs the mailbox (log, policies, views) over DIR on a file system that
// writes down what it makes durable in JOURNAL (tests/support/sync_journal.h), and
// sends messages until killed. Prints "ready" once the engine runs, then one line per
// acknowledged send: "ack POSITION MESSAGE_ID". The power-loss test kills it and takes
// away what was never synced.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <semaphore>
#include <string>
#include <thread>
#include <chrono>

#include "app/engine.h"
#include "tests/support/faulty_file_system.h"

using namespace mailbox;

namespace {

// One write() of less than PIPE_BUF bytes: the line reaches the pipe whole or not at all.
void say(const std::string& line) {
  if (::write(1, line.data(), line.size()) != static_cast<ssize_t>(line.size())) std::_Exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: power_loss_runner DIR JOURNAL\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);  // no line per alarm
  auto [fs, env] = testing::FaultyFileSystem::make();
  fs->journal_to(argv[2]);
  app::EngineOptions options;
  options.data_dir = argv[1];
  options.store.env = env.get();
  // Small batches and memtables: checkpoints, flushes and new files come often.
  options.workers.batch_events = 100;
  options.policies.batch_events = 100;
  options.store.memtable_budget_bytes = 1u << 20;
  options.views_memtable_budget_bytes = 256u << 10;
  auto engine = app::Engine::open(options);
  if (!engine) {
    std::fprintf(stderr, "power_loss_runner: %s\n", engine.error().message.c_str());
    return 1;
  }
  if (auto s = (*engine)->start(); !s) {
    std::fprintf(stderr, "power_loss_runner: %s\n", s.error().message.c_str());
    return 1;
  }
  say("ready\n");
  std::counting_semaphore<64> slots(64);
  const std::string tag = std::to_string(::getpid());
  for (std::uint64_t i = 0;; ++i) {
    // About 2,000 sends a second: enough to keep every part busy, and a log that the
    // test can check in a second or two after each power loss.
    if (i % 20 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    slots.acquire();
    (*engine)->send().send(
        {"0101111" + std::to_string(1000 + i % 97), "0109999" + std::to_string(1000 + i % 89),
         "power " + tag + " " + std::to_string(i), std::nullopt},
        [&](app::Result<commands::SendResult> r) {
          if (!r) {
            std::fprintf(stderr, "power_loss_runner: a send failed: %s\n", r.error().message.c_str());
            std::_Exit(1);
          }
          say("ack " + std::to_string(r->position) + " " + r->sent.message_id + "\n");
          slots.release();
        });
  }
}
