#pragma once
// The flags of the events' publisher (--publish-events and its options) and the checks
// of their values; docs/events.md explains them.

#include <boost/program_options/options_description.hpp>

#include <optional>
#include <string>

#include "app/publisher/publisher_options.h"
#include "server/replication_flags.h"

namespace mailbox::server {

// The flags' raw values, as parsed.
struct EventFlags {
  std::string urls, stream = "MAILBOX_EVENTS", subject = "mailbox.events";
  int replicas = 1;
};

void add_event_flags(boost::program_options::options_description& flags, EventFlags& f);
// The environment variables of those flags: the flag's name for a variable, or empty.
std::string event_flag_of_env(const std::string& variable);
// Checks the values and fills out; NATS credentials (--nats-nkey, --nats-creds,
// --ca-file) are those of replication. Returns the error to print (without "mailboxd: ").
std::optional<std::string> to_publisher_options(const EventFlags& f, const ReplicationFlags& replication,
                                                const std::string& ca_file, publisher::PublisherOptions& out);

}  // namespace mailbox::server
