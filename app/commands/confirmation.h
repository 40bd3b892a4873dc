#pragma once
// When a command may be answered: at once when what it wrote is durable, or, with
// synchronous replication (docs/replication.md), once the log has released it
// (EventStore::head() reached it: JetStream holds it). A command whose write is not
// released within the replication timeout is answered unavailable with reason
// outcome_unknown: it may still complete, and a retry with the same idempotency key
// answers its final outcome.
//
// Thread-safety: const methods from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "app/status.h"

namespace mailbox::commands {

class Confirmation {
 public:
  using Released = std::function<void(bool released)>;
  // Calls released(true) once the log's head reaches position, released(false) when
  // the timeout passes first or waits are cancelled; never blocks.
  using Wait = std::function<void(std::uint64_t position, std::chrono::milliseconds timeout, Released released)>;

  Confirmation() = default;  // confirms at once (no replication, or asynchronous)
  Confirmation(Wait wait, std::chrono::milliseconds timeout) : wait_(std::move(wait)), timeout_(timeout) {}

  bool waits() const { return static_cast<bool>(wait_); }

  // done, called only once the successful result's position (position_of) is released;
  // failures pass at once.
  template <class T, class PositionOf>
  std::function<void(app::Result<T>)> after_release(std::function<void(app::Result<T>)> done,
                                                    PositionOf position_of) const {
    if (!wait_) return done;
    return [wait = wait_, timeout = timeout_, done = std::move(done), position_of](app::Result<T> r) mutable {
      if (!r) return done(std::move(r));
      const std::uint64_t position = position_of(*r);
      auto held = std::make_shared<app::Result<T>>(std::move(r));
      wait(position, timeout, [held, done = std::move(done), position, timeout](bool released) {
        if (released) done(std::move(*held));
        else done(std::unexpected(outcome_unknown(position, timeout)));
      });
    };
  }

  static app::Error outcome_unknown(std::uint64_t position, std::chrono::milliseconds timeout) {
    return app::Error{app::Code::unavailable,
                      "JetStream has not acknowledged the write at position " + std::to_string(position) +
                          " within " + std::to_string(timeout.count()) +
                          " ms: it may still complete once replication resumes; a retry with the same "
                          "Idempotency-Key answers its final outcome",
                      std::nullopt,
                      {},
                      "outcome_unknown"};
  }

 private:
  Wait wait_;
  std::chrono::milliseconds timeout_{0};
};

}  // namespace mailbox::commands
