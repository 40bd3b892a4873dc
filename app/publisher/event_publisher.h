#pragma once
// Publishes the log's events for other services (mailboxd --publish-events): one thread
// reads the log in order and publishes each event, in the seed's JSON shape
// (app::published_event_json), on the JetStream stream MAILBOX_EVENTS under the subject
// "mailbox.events.<type>", with Nats-Msg-Id set to the event id. WriterEpoch events are
// not published. It keeps no checkpoint of its own: at start and after any failure it
// reads the stream's last message and resumes after its Mailbox-Position, so it works
// the same on the writer and on a read replica, and a restart publishes nothing twice.
// Each publish expects the stream's previous sequence: the stream holds neither a gap
// nor a duplicate. NATS being down slows nothing but this thread: the log is the queue.
// docs/events.md.
//
// Thread-safety: start and stop from one thread; status from any.

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "app/publisher/publisher_options.h"
#include "app/replication/failure_spell.h"
#include "core/eventstore/event_store.h"

namespace mailbox::replication {
class NatsLink;
}

namespace mailbox::publisher {

class EventPublisher {
 public:
  // REQUIRES: log outlives the publisher.
  EventPublisher(eventstore::EventStore& log, PublisherOptions options);
  ~EventPublisher();  // stops
  EventPublisher(const EventPublisher&) = delete;
  EventPublisher& operator=(const EventPublisher&) = delete;

  // Tries NATS once: refused credentials or a stream that does not fit are errors (the
  // process should not start); an unreachable server is not (the events are published
  // once it answers). Then starts the thread.
  app::Status start();
  // Stops the thread; first, for at most flush, lets it publish what is in the log
  // (while JetStream answers).
  void stop(std::chrono::milliseconds flush = std::chrono::milliseconds(0));
  PublisherStatus status() const;

 private:
  void run();
  app::Result<std::unique_ptr<replication::NatsLink>> connect();
  app::Status ensure_link();
  // Makes or checks the stream and finds where it ends: next_ follows the position of
  // its last message.
  app::Status sync();
  // Publishes the next events of the log, or waits for the log to grow.
  app::Status publish_next();
  void sleep_for(std::chrono::milliseconds d);

  eventstore::EventStore& log_;
  const PublisherOptions options_;
  const std::string subjects_;  // "<prefix>.>"

  // Thread only (first_link_: set by start() before the thread runs):
  std::unique_ptr<replication::NatsLink> link_;
  std::unique_ptr<replication::NatsLink> first_link_;
  bool synced_ = false;
  std::uint64_t last_sequence_ = 0;  // the stream's last sequence, as last seen

  std::atomic<std::uint64_t> next_{1};  // the first position the stream may lack
  std::atomic<bool> idle_{false};       // nothing to publish at the last look
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<std::uint64_t> published_{0};
  replication::FailureSpell failures_{"events: cannot publish"};
  std::mutex mutex_;  // stopping_ waits on wake_
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace mailbox::publisher
