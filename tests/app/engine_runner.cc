// Test helper: runs the mailbox's policies and projections over DIR until killed.
// Prints "idle HEAD" once every follower has caught up with the log's head.
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>

#include "app/engine.h"

using namespace mailbox;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: engine_runner DIR\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);  // no line per alarm
  app::EngineOptions options;
  options.data_dir = argv[1];
  options.workers.batch_events = 200;
  options.policies.batch_events = 200;
  auto engine = app::Engine::open(options);
  if (!engine) {
    std::fprintf(stderr, "engine_runner: %s\n", engine.error().message.c_str());
    return 1;
  }
  if (auto s = (*engine)->start(); !s) {
    std::fprintf(stderr, "engine_runner: %s\n", s.error().message.c_str());
    return 1;
  }
  auto& e = **engine;
  bool said = false;
  for (;;) {
    const app::EngineStatus status = e.status();
    bool idle = true;
    for (const auto& f : status.followers) idle = idle && f.position == status.head;
    const std::uint64_t head = status.head;
    if (idle && !said) {
      const std::string line = "idle " + std::to_string(head) + "\n";
      if (::write(1, line.data(), line.size()) < 0) return 1;
      said = true;
    }
    for (const auto& f : status.followers)
      if (f.error) {
        std::fprintf(stderr, "engine_runner: %s: %s\n", f.name.c_str(), f.error->message.c_str());
        return 1;
      }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}
