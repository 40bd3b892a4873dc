#pragma once
// Who asked for a command: recorded in the envelope of every event the command appends
// (Sent, Read, AlarmRedriveRequested), so that every action is attributed.

#include <string>

#include "core/eventstore/types.h"

namespace mailbox::app {

struct Actor {
  std::string principal;       // the caller's subject (a phone number), or "anonymous" in open mode
  std::string token_id;        // the token's jti, when it has one
  std::string client_address;  // the client's IP address (behind a trusted proxy: the forwarded one)

  // Stamps this actor on an event about to be appended.
  void stamp(eventstore::NewEvent& event) const {
    event.principal = principal;
    event.token_id = token_id;
    event.client_address = client_address;
  }
};

}  // namespace mailbox::app
