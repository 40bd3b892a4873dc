#pragma once
// Small builders for event store tests.

#include <string>
#include <vector>

#include "core/eventstore/types.h"

namespace mailbox::testing {

inline eventstore::NewEvent event(std::string type = "Test", std::string payload = "payload") {
  eventstore::NewEvent e;
  e.type = std::move(type);
  e.payload = std::move(payload);
  return e;
}

inline eventstore::NewEvent event_with_id(const eventstore::EventId& id, std::string payload = "payload") {
  auto e = event("Test", std::move(payload));
  e.id = id;
  return e;
}

inline std::vector<eventstore::NewEvent> events(int n) {
  std::vector<eventstore::NewEvent> out;
  for (int i = 0; i < n; ++i) out.push_back(event("Test", "event " + std::to_string(i)));
  return out;
}

}  // namespace mailbox::testing
