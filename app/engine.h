#pragma once
// The mailbox in one process: the log and the views under one data folder, the
// policies and views of the catalog (catalog.h) running on their own threads, and the
// commands, queries, waits and operations over them. mailboxd's server talks to this
// and to nothing below it.
//
// Thread-safety: open, start and stop from one thread; everything else from any thread.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "app/backup/backups.h"
#include "app/commands/alarm_sink.h"
#include "app/commands/mark_read.h"
#include "app/commands/payment_gate.h"
#include "app/commands/redrive_alarm.h"
#include "app/commands/send_message.h"
#include "app/publisher/publisher_options.h"
#include "app/queries/alarms_query.h"
#include "app/queries/log_query.h"
#include "app/queries/mailbox_changes.h"
#include "app/queries/readmails_query.h"
#include "app/queries/sentmails_query.h"
#include "app/replication/replication_options.h"
#include "app/replication/replication_status.h"
#include "app/replication/tail_cut.h"
#include "app/status.h"
#include "app/worker_thread.h"
#include "core/eventstore/event_store.h"
#include "core/projections/followers.h"
#include "core/projections/view_store.h"

namespace mailbox::replication {
class Shipper;
class Replica;
}  // namespace mailbox::replication
namespace mailbox::publisher {
class EventPublisher;
}  // namespace mailbox::publisher

namespace mailbox::app {

struct EngineOptions {
  std::string data_dir = "./data";  // holds log/ and views/; created when missing
  eventstore::StoreOptions store;
  // Memory for all the views' memtables together (see kViewsMemtableBudgetBytes).
  std::size_t views_memtable_budget_bytes = projections::kViewsMemtableBudgetBytes;
  projections::WorkerOptions workers;
  projections::PolicyOptions policies;
  commands::AlarmSink* alarm_sink = nullptr;      // null: a LogAlarmSink
  commands::PaymentGate* payment_gate = nullptr;  // null: every send is approved
  // Shipping the log to NATS JetStream (writer), copying it from there (replica), or
  // neither. A replica runs no policy: their checkpoints arrive with the log.
  replication::ReplicationOptions replication;
  // Publishing the log's events for other services (docs/events.md), on a writer or a
  // replica, or not.
  publisher::PublisherOptions events;
  // Told once, on the shipper's thread, when another writer has taken over the stream
  // (after the engine has stopped its policies and started refusing appends). Quick.
  std::function<void(const Error&)> on_fenced;
};

// A read replica made the writer (Engine::promote).
struct Promotion {
  std::uint64_t epoch = 0;  // the new writer epoch, in the stream
  std::uint64_t head = 0;   // the log's head when it took over (the epoch's event included)
  std::string url;          // the URL written in the epoch (--advertise-url; may be empty)
  // JetStream has acknowledged the epoch. false: it did not answer in time; the epoch
  // ships once it does (or this writer is fenced then, as /readyz will say).
  bool in_stream = true;
};

using FollowerStatus = projections::FollowerStatus;
using RebuildResult = projections::RebuildResult;

// What the engine reports about itself: for readiness and metrics.
struct EngineStatus {
  std::uint64_t head = 0;                // the log's durable head
  eventstore::WriterStats writer;        // appends, batches, sync time
  std::optional<Error> log_failure;      // the log refuses appends (storage_failed)
  std::vector<FollowerStatus> followers;  // policies, then views, as in the catalog
  std::uint64_t payments_orphaned = 0;   // approved payments whose send was not stored
  std::optional<replication::ReplicationStatus> replication;  // when it takes part in replication
  std::optional<publisher::PublisherStatus> events;  // when it publishes events
};

// Whether the engine can serve: empty code when it can; otherwise disk_full (the log or
// a follower cannot write for want of space: it heals by itself), storage_failed (the
// log cannot be written: a restart is needed), policy_failed or view_failed
// (app/status.h) and a reason for people.
struct Health {
  std::string code;
  std::string reason;
  bool ok() const { return code.empty(); }
};
Health health_of(const EngineStatus& status);

class Engine {
 public:
  using Done = std::function<void(bool reached)>;

  // Opens the databases; nothing runs until start().
  static Result<std::unique_ptr<Engine>> open(EngineOptions options);
  ~Engine();  // stops

  // Starts the policies and views, each from its checkpoint, then the shipping or
  // copying of the log, then the events' publisher. Errors: a follower's, or
  // replication's or the publisher's (credentials refused, a stream that does not fit, a
  // replica whose next position left the stream).
  Status start();
  // A read replica: its log is a copy; commands that append are not for it.
  bool is_replica() const { return role_ == replication::Role::replica; }
  // Why this writer takes no more sends: another writer has taken over its stream.
  std::optional<Error> fenced() const;
  // Makes this read replica the writer: stops copying, checks that its log ends exactly
  // where the stream does, publishes a new writer epoch (expecting the stream's last
  // sequence, so a writer still alive is fenced by it, or fences this one), then starts
  // the policies from the checkpoints that came with the log and takes sends. Errors
  // (failed_precondition): not_a_replica; not_caught_up (the replica goes on copying);
  // fenced (another writer published first: this log now differs from the stream by
  // its own epoch event). unavailable: NATS did not answer in time (it goes on copying).
  Result<Promotion> promote();
  // The URL of the latest writer epoch in the log (empty: none, or none given).
  std::string writer_url() const;
  // Cancels waits, rebuilds and backups, then stops the policies and views (each finishes the
  // batch in hand). The databases stay open.
  void stop();

  // ---- Commands and queries ------------------------------------------------------
  commands::SendHandler& send() { return send_; }
  commands::MarkReadHandler& mark_read() { return mark_read_; }
  commands::RedriveHandler& redrive() { return redrive_; }
  const queries::ReadmailsQuery& readmails() const { return readmails_query_; }
  const queries::SentmailsQuery& sentmails() const { return sentmails_query_; }
  const queries::AlarmsQuery& alarms() const { return alarms_query_; }
  const queries::LogQuery& events() const { return events_; }

  // ---- Reading your own writes -------------------------------------------------------
  // done(true) once the view shows the event at `position` and what it caused (the
  // catalog's feeders), done(false) when the timeout passes first or waits are
  // cancelled. done runs on a waiter thread, never on the log's writer thread, or on
  // this thread when decided at once; it must not block.
  void when_visible(std::string_view view, std::uint64_t position, std::chrono::milliseconds timeout, Done done);
  // As when_visible for the readmails view and the message's Sent, when the log has the
  // message but the view does not yet (right after the send); done(true) at once
  // otherwise.
  void when_message_visible(std::string_view message_id, std::chrono::milliseconds timeout, Done done);
  // done(true) once every view that gates readiness shows `position`.
  void when_caught_up(std::uint64_t position, std::chrono::milliseconds timeout, Done done);
  // done(true) once the log's head reaches `position`.
  void when_logged(std::uint64_t position, std::chrono::milliseconds timeout, Done done);
  // Blocking when_visible (tests and tools). REQUIRES: not called from a done callback.
  bool wait_visible(std::string_view view, std::uint64_t position, std::chrono::milliseconds timeout);
  // Answers every pending wait with false, and every later one (shutting down).
  void cancel_waits();

  // ---- Operations ------------------------------------------------------------------
  // Rebuilds a view online; blocks until done. Errors: not_found (no such view), the
  // rebuild's own, unavailable when stop() cancelled it.
  Result<RebuildResult> rebuild(std::string_view view);
  // Backs the log up into a new folder under dir while sends go on (backup/backups.h);
  // blocks until done. Errors: take_backup's; unavailable when stop() ended it.
  // REQUIRES: one at a time into one dir.
  Result<backup::Taken> take_backup(const std::filesystem::path& dir);
  // The catalog's views, in order.
  std::vector<std::string> view_names() const;
  EngineStatus status() const;

 private:
  // Tests reach the parts (the log, the views, the followers) through EngineParts
  // (tests/support/engine_parts.h); nothing else does, the server least of all.
  friend struct EngineParts;

  Engine(EngineOptions options, std::unique_ptr<eventstore::EventStore> log,
         std::unique_ptr<projections::ViewStore> views);
  // When the commands answer (sync replication: once the log released their write).
  commands::Confirmation confirmation();

  EngineOptions options_;
  std::optional<replication::TailCut> cut_;  // what open() cut from a replica's log
  std::unique_ptr<eventstore::EventStore> log_;
  std::unique_ptr<projections::ViewStore> views_;
  commands::LogAlarmSink log_sink_;
  commands::ApproveAll approve_all_;
  std::vector<std::unique_ptr<projections::Policy>> policies_;
  std::vector<std::unique_ptr<projections::Projection>> projections_;
  projections::Followers followers_;
  commands::SendHandler send_;
  commands::MarkReadHandler mark_read_;
  commands::RedriveHandler redrive_;
  // Reads after a refused append, off the writer thread. Destroyed before the handlers
  // whose continuations it runs, after the log stopped taking appends.
  WorkerThread continuations_;
  queries::ReadmailsQuery readmails_query_;
  queries::SentmailsQuery sentmails_query_;
  queries::AlarmsQuery alarms_query_;
  queries::LogQuery events_;
  // The role in replication, set at start and changed by promote() alone; shipper_ and
  // replica_ are swapped under replication_mutex_, read under it by other threads.
  std::atomic<replication::Role> role_;
  mutable std::mutex replication_mutex_;
  std::mutex promote_mutex_;  // one promotion at a time
  std::unique_ptr<replication::Shipper> shipper_;
  std::unique_ptr<replication::Replica> replica_;
  std::unique_ptr<publisher::EventPublisher> publisher_;
  // Starts shipping (as the writer) with this engine's fencing: policies stopped,
  // on_fenced told.
  Status start_shipping(replication::ReplicationOptions options);
  std::stop_source stopping_;  // requested by stop(): ends a backup in progress
};

}  // namespace mailbox::app
