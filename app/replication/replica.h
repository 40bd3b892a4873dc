#pragma once
// A read replica's copy of the log (mailboxd --follow): one thread follows the
// replication stream in order and writes each message's events into the local log at
// the same positions, byte for byte, with their dedupe rows and checkpoints. The
// projections follow the local log as usual; the policies do not run (their
// checkpoints arrive with the log). docs/replication.md.
//
// Thread-safety: start and stop from one thread; status and writer_url from any.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "app/replication/nats_link.h"
#include "app/replication/replication_status.h"
#include "core/eventstore/event_store.h"

namespace mailbox::replication {

class Replica {
 public:
  // REQUIRES: log outlives the replica; nothing else appends to it.
  Replica(eventstore::EventStore& log, ReplicationOptions options);
  ~Replica();  // stops
  Replica(const Replica&) = delete;
  Replica& operator=(const Replica&) = delete;

  // Tries NATS once: refused credentials, or a stream that no longer holds the next
  // position of this log (seed it from a backup), are errors: the process should not
  // start. An unreachable server is not: the replica catches up once it answers.
  app::Status start();
  void stop();
  ReplicationStatus status() const;
  // The stream's last position (0: an empty stream), read now over a connection of its
  // own (a promotion asks it, while the replica copies and once it has stopped).
  // Errors: NATS's.
  app::Result<std::uint64_t> stream_end() const;

 private:
  void run();
  app::Status ensure_link();
  // Finds the stream's message holding the next position and follows from it.
  app::Status subscribe();
  // Reads the next message and applies it.
  app::Status copy_next();
  // Refreshes the stream's last position (for the lag), at most every second.
  void refresh_stream_position(bool force);
  void report_progress();
  void note_error(const app::Error& e);
  void note_ok();
  void sleep_for(std::chrono::milliseconds d);

  eventstore::EventStore& log_;
  const ReplicationOptions options_;
  const std::string subject_;
  std::unique_ptr<NatsLink> link_;

  // Thread only:
  bool following_ = false;
  std::chrono::steady_clock::time_point stream_checked_{};
  std::chrono::steady_clock::time_point progress_at_{};
  std::uint64_t progress_position_ = 0;
  bool announced_caught_up_ = false;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  ReplicationStatus status_;
  bool failing_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  std::thread thread_;
};

}  // namespace mailbox::replication
