#pragma once
// Opening a mailbox data folder for the replay tool, with the tool's errors: a missing
// or foreign folder is a usage error (exit 2), a folder in use by mailboxd is refused
// (exit 1) with a pointer to the server's online rebuild.

#include <memory>
#include <string>
#include <variant>

#include "core/eventstore/event_store.h"
#include "core/projections/view_store.h"

namespace mailbox::replay {

struct Failure {
  int exit_code;
  std::string message;  // one line
};

// The log under DIR/log. read_only: beside a running mailboxd, writing nothing.
std::variant<std::unique_ptr<eventstore::EventStore>, Failure> open_log(const std::string& data, bool read_only);
// The views under DIR/views. read_only: beside a running mailboxd; a missing views
// folder is created only when writable.
std::variant<std::unique_ptr<projections::ViewStore>, Failure> open_views(const std::string& data, bool read_only);

}  // namespace mailbox::replay
