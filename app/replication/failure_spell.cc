#include "app/replication/failure_spell.h"

#include <spdlog/spdlog.h>

namespace mailbox::replication {

void FailureSpell::failed(const app::Error& e) {
  bool first_time = false;
  {
    std::lock_guard lock(mutex_);
    ++errors_;
    first_time = !failing_;
    failing_ = true;
    error_ = e;
  }
  if (first_time) spdlog::warn("{}: {}; retrying", what_, e.message);
}

bool FailureSpell::ended() {
  std::lock_guard lock(mutex_);
  const bool was = failing_;
  failing_ = false;
  error_.reset();
  return was;
}

bool FailureSpell::failing() const {
  std::lock_guard lock(mutex_);
  return failing_;
}

std::uint64_t FailureSpell::errors() const {
  std::lock_guard lock(mutex_);
  return errors_;
}

std::optional<app::Error> FailureSpell::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}

}  // namespace mailbox::replication
