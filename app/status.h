#pragma once
// The error vocabulary of the mailbox, as the application and the layers above it see
// it. Categories are the engine's (core/eventstore/status.h, after abseil's status
// codes); a reason names a particular error more finely, in snake_case. The HTTP API
// reports the reason (or, without one, a name derived from the category) as its
// problem code; server/problem.cc gives each its status. The reasons app/ uses:
//
//   invalid_phone, invalid_text, invalid_idempotency_key   a command field is invalid
//   idempotency_key_reused   the key came before with another message
//   payment_declined         the payment service said no
//   payment_unavailable      the payment service failed, was slow, or its breaker is open
//   not_receiver             only the message's receiver may do this
//   not_delivered            the message is not in the mailbox yet
//   redrive_pending          a redrive of this alarm is already asked for
//   storage_failed           the log refuses appends after a failed write, until restarted (from core)
//   disk_full                a write failed for want of space; it heals by itself once there is room
//   policy_failed, view_failed   a follower is stuck (readiness)
//   fenced                   another writer has taken over the replication stream
//   not_a_replica            promotion asked of a process that is not a read replica
//   not_caught_up            a replica asked to take over before its log ends where the stream does

#include "core/eventstore/status.h"

namespace mailbox::app {

using eventstore::Code;
using eventstore::code_name;
using eventstore::Error;
using eventstore::fail;
using eventstore::fail_because;
using eventstore::fail_field;
using eventstore::Result;
using eventstore::Status;

}  // namespace mailbox::app
