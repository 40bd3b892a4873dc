#pragma once
// Failures of a worker that retries (the shipper, the replica, the events publisher): each
// counted, the latest kept while it lasts, and logged once when a spell of them begins,
// not at every retry; its end is told to the caller, who logs the recovery.
//
// Thread-safety: any thread.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "app/status.h"

namespace mailbox::replication {

class FailureSpell {
 public:
  // what: how the log line begins, e.g. "events: publishing stopped".
  explicit FailureSpell(std::string what) : what_(std::move(what)) {}

  // Counts e, keeps it; logs "<what>: <message>; retrying" when no spell was under way.
  void failed(const app::Error& e);
  // Ends the spell; true when one was under way.
  bool ended();

  bool failing() const;
  std::uint64_t errors() const;
  std::optional<app::Error> error() const;

 private:
  const std::string what_;
  mutable std::mutex mutex_;  // guards what follows
  bool failing_ = false;
  std::uint64_t errors_ = 0;
  std::optional<app::Error> error_;
};

}  // namespace mailbox::replication
