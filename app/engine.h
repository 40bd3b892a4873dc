#pragma once
// The mailbox in one process: the log and the views under one data folder, the two
// policies and the two projections running on their own threads, and the command and
// query handlers over them. Used by mailboxd and by tests.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "app/commands/alarm_policy.h"
#include "app/commands/alarm_sink.h"
#include "app/commands/mailbox_policy.h"
#include "app/commands/mark_read.h"
#include "app/commands/redrive_alarm.h"
#include "app/commands/send_message.h"
#include "app/queries/alarms_projection.h"
#include "app/queries/alarms_query.h"
#include "app/queries/readmails_projection.h"
#include "app/queries/readmails_query.h"
#include "core/eventstore/event_store.h"
#include "core/projections/policy_runner.h"
#include "core/projections/projection_host.h"
#include "core/projections/view_store.h"

namespace mailbox::app {

struct EngineOptions {
  std::string data_dir = "./data";  // holds log/ and views/; created when missing
  eventstore::StoreOptions store;
  projections::WorkerOptions workers;
  projections::PolicyOptions policies;
  commands::AlarmSink* alarm_sink = nullptr;      // null: a LogAlarmSink
  commands::PaymentGate* payment_gate = nullptr;  // null: every send is approved
};

class Engine {
 public:
  // Opens the databases; nothing runs until start().
  static Result<std::unique_ptr<Engine>> open(EngineOptions options);
  ~Engine();  // stops

  // Starts the policies and projections; each resumes from its checkpoint.
  eventstore::Status start();
  // Stops them (each finishes the batch in hand). The databases stay open.
  void stop();

  eventstore::EventStore& log() { return *log_; }
  projections::ViewStore& views() { return *views_; }
  commands::SendHandler& send() { return send_; }
  commands::MarkReadHandler& mark_read() { return mark_read_; }
  commands::RedriveHandler& redrive() { return redrive_; }
  const queries::ReadmailsQuery& readmails() const { return readmails_query_; }
  const queries::AlarmsQuery& alarms() const { return alarms_query_; }

  projections::ProjectionHost& readmails_view() { return readmails_host_; }
  projections::ProjectionHost& alarms_view() { return alarms_host_; }
  projections::PolicyRunner& mailbox_policy() { return mailbox_runner_; }
  projections::PolicyRunner& alarm_policy() { return alarm_runner_; }
  std::uint64_t alarms_delivered() const { return alarm_policy_.delivered(); }
  std::uint64_t alarms_dead_lettered() const { return alarm_policy_.dead_lettered(); }

  // Read your writes: blocks until the readmails view shows everything the event at
  // `position` caused (its Saved), or the timeout passes. Returns whether it does.
  bool wait_readmails(std::uint64_t position, std::chrono::milliseconds timeout);
  // The same for the alarm list (both alarms of a Sent at `position`).
  bool wait_alarms(std::uint64_t position, std::chrono::milliseconds timeout);

 private:
  Engine(EngineOptions options, std::unique_ptr<eventstore::EventStore> log,
         std::unique_ptr<projections::ViewStore> views);

  EngineOptions options_;
  std::unique_ptr<eventstore::EventStore> log_;
  std::unique_ptr<projections::ViewStore> views_;
  commands::LogAlarmSink log_sink_;
  commands::ApproveAll approve_all_;
  commands::MailboxPolicy mailbox_policy_;
  commands::AlarmPolicy alarm_policy_;
  queries::ReadmailsProjection readmails_projection_;
  queries::AlarmsProjection alarms_projection_;
  projections::PolicyRunner mailbox_runner_;
  projections::PolicyRunner alarm_runner_;
  projections::ProjectionHost readmails_host_;
  projections::ProjectionHost alarms_host_;
  commands::SendHandler send_;
  commands::MarkReadHandler mark_read_;
  commands::RedriveHandler redrive_;
  queries::ReadmailsQuery readmails_query_;
  queries::AlarmsQuery alarms_query_;
};

}  // namespace mailbox::app
