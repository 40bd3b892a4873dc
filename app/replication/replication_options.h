#pragma once
// How mailboxd takes part in replication through NATS JetStream (docs/replication.md):
// as the writer that ships its log (--replicate), as a read replica that copies it
// (--follow), or not at all.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app/status.h"

namespace mailbox::replication {

// Where and how to reach NATS.
struct NatsOptions {
  std::vector<std::string> urls;  // nats://[user:password@]host:port, tls://...
  std::string nkey_seed_file;     // an nkey user seed (SU...), or empty
  std::string creds_file;         // a NATS credentials file (JWT and seed), or empty
  std::string ca_file;            // PEM certificates to trust for tls:// (empty: the system's)
  std::string name = "mailboxd";  // the connection's name, as the server shows it
  std::chrono::milliseconds connect_timeout{2000};
};

enum class Role { none, writer, replica };

// When the writer answers a send (docs/replication.md): async once it is durable on the
// writer's disk (the shipper follows); sync once JetStream has acknowledged the message
// holding it, and the policies, views and queries act only on what JetStream holds.
enum class Mode { async, sync };

struct ReplicationOptions {
  Role role = Role::none;
  Mode mode = Mode::async;
  // Sync mode: how long a command waits for JetStream's acknowledgement before it is
  // answered outcome_unknown (it may still complete; a keyed retry tells).
  std::chrono::milliseconds ack_timeout{2000};
  NatsOptions nats;
  std::string stream = "MAILBOX";       // the JetStream stream; its subject is "<lower case>.log"
  int replicas = 1;                     // the stream's replication, when it is created
  std::int64_t max_age_seconds = 0;     // the stream's limits at creation (0: unlimited)
  std::int64_t max_bytes = 0;
  std::string advertise_url;            // the writer's URL, for replicas' 421 answers
  std::uint64_t follow_max_lag = 1000;  // a replica is ready within this many events
  std::chrono::milliseconds publish_timeout{5000};  // per message, waiting for JetStream's ack
  // A small message waits this long for more events before it is published once: fewer,
  // larger messages cost JetStream (and its Raft, for R3) much less per event.
  std::chrono::milliseconds linger{10};
  // Told once, on the shipper's thread, when another writer has taken over the stream.
  std::function<void(const app::Error&)> on_fenced;
  // mailboxd shuts down (exit code 3) once fenced, for a supervisor to restart it as a
  // replica (--exit-when-fenced); otherwise it stays up, refusing sends.
  bool exit_when_fenced = false;
};

// "mailbox.log" for stream "MAILBOX".
std::string log_subject(const std::string& stream);

}  // namespace mailbox::replication
