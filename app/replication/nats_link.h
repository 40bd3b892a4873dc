#pragma once
// A connection to NATS JetStream, as replication uses it: connect with the configured
// credentials, make or check the log's stream, publish with an expected last sequence,
// read single messages, and follow the stream in order. A thin layer over the C client
// (libnats) that turns its statuses into Results. Internal to app/replication.
//
// Thread-safety: one thread uses a link (the shipper's or the replica's); the
// connection's own threads only call the on_change callback.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/replication/replication_options.h"
#include "app/status.h"

namespace mailbox::replication {

using app::Code;
using app::Error;
using app::Result;
using app::Status;

// One message of a stream.
struct StreamMessage {
  std::uint64_t sequence = 0;
  std::map<std::string, std::string> headers;
  std::string data;
  std::uint64_t pending = 0;  // messages after this one when it was delivered (following only)
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

struct StreamState {
  std::uint64_t messages = 0, first_sequence = 0, last_sequence = 0;
  std::int64_t max_bytes = 0;  // the stream's byte limit as configured (0: none)
};

// What a stream must look like for the log (replication_options.h has the flags).
struct StreamSpec {
  std::string name;     // e.g. MAILBOX
  std::string subject;  // e.g. mailbox.log
  int replicas = 1;
  std::int64_t max_age_seconds = 0;  // 0: unlimited
  std::int64_t max_bytes = 0;        // 0: unlimited
};

class NatsLink {
 public:
  // Told true when the connection is (re)established, false when it is lost: once per
  // change, on a connection thread.
  using OnChange = std::function<void(bool connected, const std::string& detail)>;

  // Connects once, waiting up to options.connect_timeout. Errors: unavailable (no
  // server reachable), permission_denied (credentials refused), failed_precondition
  // (TLS failed: an untrusted certificate, or TLS on one side only), invalid_argument (a
  // credentials file that cannot be read). Once connected, the link reconnects by
  // itself, forever.
  static Result<std::unique_ptr<NatsLink>> connect(const NatsOptions& options, OnChange on_change = {});
  ~NatsLink();
  NatsLink(const NatsLink&) = delete;
  NatsLink& operator=(const NatsLink&) = delete;

  bool connected() const;
  // The largest message the server takes, in bytes.
  std::int64_t max_payload() const;

  // The stream's state; nullopt when there is no such stream.
  Result<std::optional<StreamState>> stream_state(const std::string& stream);
  // Creates the stream when missing; otherwise checks that it holds spec.subject in
  // file storage (failed_precondition when not) and warns when its replicas differ.
  Result<StreamState> ensure_stream(const StreamSpec& spec);

  // The stream's last message on subject; nullopt when it has none.
  Result<std::optional<StreamMessage>> last_message(const std::string& stream, const std::string& subject);
  // The message at sequence; nullopt when there is none (deleted, or past the end).
  Result<std::optional<StreamMessage>> message(const std::string& stream, std::uint64_t sequence);

  // Publishes expecting the stream's last sequence to be expected_last (0: the subject
  // has no message yet) and waits for JetStream's acknowledgement. Returns the
  // message's sequence. Errors: aborted (reason "wrong_last_sequence": someone else
  // published), unavailable (no connection, no answer in time), invalid_argument.
  Result<std::uint64_t> publish(const std::string& subject, const std::map<std::string, std::string>& headers,
                                const std::string& data, std::uint64_t expected_last, std::int64_t timeout_ms);

  // One message of a pipelined publish.
  struct Outgoing {
    std::string subject;
    std::map<std::string, std::string> headers;
    std::string data;
  };
  // Publishes messages in order without waiting for each acknowledgement, message k
  // (from 0) expecting the stream's last sequence to be expected_last + k (the first
  // expects nothing when expected_last is 0), then waits up to timeout_ms for every
  // acknowledgement. Returns the last message's sequence. When one is refused or not
  // acknowledged, the ones after it are refused too: the stream then holds a first part
  // of them, never a gap; read its last message to know where it ends. Errors: aborted
  // (a message was refused), unavailable (no connection, acknowledgements missing in
  // time), invalid_argument.
  Result<std::uint64_t> publish_in_order(const std::vector<Outgoing>& messages, std::uint64_t expected_last,
                                         std::int64_t timeout_ms);

  // Follows subject in order from sequence `from` (an ordered consumer): next() waits
  // up to timeout_ms for the next message; nullopt when none came.
  Status follow(const std::string& stream, const std::string& subject, std::uint64_t from);
  Result<std::optional<StreamMessage>> next(std::int64_t timeout_ms);
  void unfollow();

 private:
  struct Impl;
  explicit NatsLink(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mailbox::replication
