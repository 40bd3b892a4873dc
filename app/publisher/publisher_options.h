#pragma once
// How mailboxd publishes the log's events for other services (--publish-events):
// docs/events.md.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "app/replication/replication_options.h"
#include "app/status.h"

namespace mailbox::publisher {

struct PublisherOptions {
  replication::NatsOptions nats;  // no URL: nothing is published
  std::string stream = "MAILBOX_EVENTS";      // created when missing, subjects "<prefix>.>"
  std::string subject_prefix = "mailbox.events";  // an event goes to "<prefix>.<type>"
  int replicas = 1;                           // the stream's replication, when it is created
  std::chrono::milliseconds publish_timeout{5000};  // waiting for JetStream's acknowledgements
  bool enabled() const { return !nats.urls.empty(); }
};

// What the publisher reports, for /metrics.
struct PublisherStatus {
  bool connected = false;      // to NATS, now
  std::uint64_t position = 0;  // every event to publish up to this position is in the stream
  std::uint64_t lag_events = 0;  // the log's head - position
  double lag_seconds = 0;      // how old the oldest event not yet published is
  std::uint64_t published = 0;  // events published since start
  std::uint64_t errors = 0;    // failed publishes or reads of the stream (each retried)
  std::optional<app::Error> error;  // the latest error while it lasts
};

}  // namespace mailbox::publisher
