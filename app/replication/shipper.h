#pragma once
// Ships the log to a JetStream stream (mailboxd --replicate): one thread reads what is
// committed after the stream's last position and publishes it in order, in messages of
// consecutive events under the server's max_payload, each expecting the previous
// message's sequence. Before shipping (at start, and after any failed publish) it
// checks that the stream's last message is its own; if not, another writer has taken
// over and this one is fenced: it ships nothing more. docs/replication.md.
//
// Thread-safety: start and stop from one thread; status from any.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "app/replication/nats_link.h"
#include "app/replication/replication_status.h"
#include "core/eventstore/event_store.h"

namespace mailbox::replication {

class Shipper {
 public:
  // REQUIRES: log outlives the shipper.
  Shipper(eventstore::EventStore& log, ReplicationOptions options);
  ~Shipper();  // stops
  Shipper(const Shipper&) = delete;
  Shipper& operator=(const Shipper&) = delete;

  // Tries NATS once: refused credentials or a stream that does not fit are errors (the
  // process should not start); an unreachable server is not (sends go on, the log
  // ships once it is back). Then starts the thread.
  app::Status start();
  // Stops the thread; first, for at most flush, lets it ship what is committed (while
  // JetStream answers).
  void stop(std::chrono::milliseconds flush = std::chrono::milliseconds(0));
  // Waits, for at most bound, until what is committed has shipped (or shipping fails).
  void drain(std::chrono::milliseconds bound);
  ReplicationStatus status() const;
  // Why another writer has taken over the stream; nullopt while this one ships. Cheap.
  std::optional<app::Error> fenced() const;
  // Blocks until this process's writer epoch is in the stream; returns that epoch.
  // Errors: failed_precondition (reason fenced) when another writer took the stream
  // first, unavailable when JetStream did not take it within timeout.
  app::Result<std::uint64_t> wait_epoch_shipped(std::chrono::milliseconds timeout) const;

 private:
  void run();
  // A new link whose connection changes set connected_ and are logged once each.
  app::Result<std::unique_ptr<NatsLink>> connect();
  // The stream the writer ships to, as the flags give it.
  StreamSpec stream_spec() const;
  // Connects when there is no link. Errors as NatsLink::connect.
  app::Status ensure_link();
  // Finds where the stream ends and whether it is this log's; appends this process's
  // writer epoch the first time. Sets fenced_ when another writer has taken over.
  app::Status sync();
  // Publishes the next message, or waits for the log to grow. Errors: the publish's.
  app::Status ship_next();
  void note_error(const app::Error& e);
  void note_ok();
  void sleep_for(std::chrono::milliseconds d);
  bool failing_now() const;

  eventstore::EventStore& log_;
  const ReplicationOptions options_;
  const std::string subject_;
  std::unique_ptr<NatsLink> link_;
  std::unique_ptr<NatsLink> first_link_;  // from start(), taken over by the thread

  // Thread only:
  bool synced_ = false;
  bool epoch_started_ = false;
  std::atomic<std::uint64_t> next_{1};  // the first position the stream lacks
  std::uint64_t last_sequence_ = 0;  // the stream's last sequence (ours)
  std::uint64_t previous_epoch_ = 0;  // in force before our epoch's event
  std::atomic<std::uint64_t> epoch_position_{0};  // of our epoch's event (0: not appended yet)
  std::size_t budget_ = 0;          // envelope bytes per message
  bool lingered_ = false;           // the small message at next_ has waited once for more
  std::vector<eventstore::Checkpoint> shipped_checkpoints_;  // as of the last message that had them

  mutable std::mutex mutex_;  // guards status_, stopping_ waits
  std::condition_variable wake_;
  ReplicationStatus status_;
  bool failing_ = false;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> connected_{false};
  // The thread found nothing to ship at its last look (next_ is read with it by stop()).
  std::atomic<bool> idle_{false};
  std::thread thread_;
};

}  // namespace mailbox::replication
