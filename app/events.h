#pragma once
// The mailbox events as C++ values, and their payload encoding (events.fbs).

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

#include "app/status.h"
#include "core/eventstore/types.h"

namespace mailbox::app {


inline constexpr std::string_view kSentType = "Sent";
inline constexpr std::string_view kSavedType = "Saved";
inline constexpr std::string_view kAlarmedType = "Alarmed";
inline constexpr std::string_view kReadType = "Read";
inline constexpr std::string_view kAlarmDeadLetteredType = "AlarmDeadLettered";
inline constexpr std::string_view kAlarmRedriveRequestedType = "AlarmRedriveRequested";
inline constexpr std::string_view kWriterEpochType = "WriterEpoch";

struct Sent {
  std::string message_id, sender, receiver, text;
  std::int64_t sent_at_us = 0;
  std::string payment_ref;
  bool operator==(const Sent&) const = default;
};

struct Saved {
  std::string message_id, sender, receiver, text;
  std::int64_t sent_at_us = 0;
  bool operator==(const Saved&) const = default;
};

enum class AlarmKind { sent, arrived };
std::string_view to_string(AlarmKind kind);

struct Alarmed {
  std::string alarm_id, message_id, phone;
  AlarmKind kind = AlarmKind::sent;
  std::string channel;
  std::int64_t alarmed_at_us = 0;
  bool operator==(const Alarmed&) const = default;
};

struct Read {
  std::string message_id, receiver;
  std::int64_t read_at_us = 0;
  bool operator==(const Read&) const = default;
};

struct AlarmDeadLettered {
  std::string alarm_id, message_id, phone;
  AlarmKind kind = AlarmKind::sent;
  std::string channel, reason;
  int attempts = 0;
  std::int64_t dead_lettered_at_us = 0;
  bool operator==(const AlarmDeadLettered&) const = default;
};

struct AlarmRedriveRequested {
  std::string alarm_id, message_id, phone;
  AlarmKind kind = AlarmKind::sent;
  std::string text_preview;
  std::int64_t requested_at_us = 0;
  bool operator==(const AlarmRedriveRequested&) const = default;
};

// A writer's turn at shipping the log (replication); not a mailbox event as such.
struct WriterEpoch {
  std::uint64_t epoch = 0;
  std::string url;
  std::int64_t started_at_us = 0;
  bool operator==(const WriterEpoch&) const = default;
};

using MailboxEvent =
    std::variant<Sent, Saved, Alarmed, Read, AlarmDeadLettered, AlarmRedriveRequested, WriterEpoch>;

// The envelope type string of an event.
std::string_view type_of(const MailboxEvent& event);
// The payload bytes of an event.
std::string encode(const MailboxEvent& event);
// An event ready to append: type and payload set; id, correlation and causation unset.
eventstore::NewEvent to_new_event(const MailboxEvent& event);
// Decodes a payload after verifying it. Errors: invalid_argument for an unknown type,
// corruption for bytes that are not a valid payload of that type.
Result<MailboxEvent> decode(std::string_view type, std::string_view payload);
inline Result<MailboxEvent> decode(const eventstore::RecordedEvent& e) { return decode(e.type, e.payload); }

// Each message is its own stream.
std::string message_stream(std::string_view message_id);

// Microseconds since the Unix epoch, now.
std::int64_t now_us();

}  // namespace mailbox::app
