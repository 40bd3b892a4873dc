#pragma once
// The mailbox engine over a temp data folder, started, with an alarm sink the test
// controls: the common set-up of the app tests.

#include <chrono>
#include <memory>

#include "app/engine.h"
#include "tests/support/engine_parts.h"
#include "tests/support/recording_sink.h"
#include "tests/support/temp_dir.h"

namespace mailbox::testing {

// A policy's counter (Policy::counters) as the engine reports it; throws when missing.
inline std::uint64_t policy_counter(app::Engine& engine, std::string_view policy, std::string_view counter) {
  const auto status = testing::followers_of(engine).status(policy);
  if (status)
    for (const auto& c : status->counters)
      if (c.name == counter) return c.value;
  throw std::runtime_error("no counter " + std::string(counter) + " of " + std::string(policy));
}

struct EngineFixture {
  TempDir dir;
  RecordingSink sink;
  std::unique_ptr<app::Engine> engine;

  EngineFixture() {
    app::EngineOptions options;
    options.data_dir = dir.str();
    options.alarm_sink = &sink;
    options.policies.first_retry = std::chrono::milliseconds(5);
    engine = std::move(app::Engine::open(options).value());
    if (!engine->start()) throw std::runtime_error("engine did not start");
  }

  // Sends a message and returns what the send command answered; throws on refusal.
  commands::SendResult send(std::string sender, std::string receiver, std::string text) {
    auto r = engine->send().send_and_wait({std::move(sender), std::move(receiver), std::move(text), std::nullopt});
    if (!r) throw std::runtime_error(r.error().message);
    return *r;
  }
};

}  // namespace mailbox::testing
