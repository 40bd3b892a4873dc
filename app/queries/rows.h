#pragma once
// The rows of the mailbox views and their byte encoding, and the keys they are stored
// under. Internal to app/queries.
//
// readmails view:
//   m/<message id>                      -> MailRow
//   r/<receiver>\0<~position u64 BE>    -> message id   (a receiver's mail, newest first)
//   l/<~position u64 BE>                -> message id   (all mail, newest first)
//   u/<receiver>                        -> unread count, u64 BE
// sentmails view:
//   m/<message id>                      -> SentRow
//   s/<sender>\0<~position u64 BE>      -> message id   (a sender's mail, newest first)
// alarms view:
//   a/<phone>\0<~position u64 BE>       -> AlarmRow     (a phone's alarms, newest first)
//   x/<~position u64 BE>                -> DeadLetterRow (undeliverable alarms, newest first)
//   xa/<alarm id>                       -> position of its x/ row (removed once delivered)
// position is the log position of the Saved (Sent, Alarmed) event; ~ is bitwise not, so
// that ascending key order is newest first.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailbox::queries {

struct MailRow {
  std::string id, sender, receiver, text;
  std::int64_t sent_at_us = 0;
  bool read = false;
  std::uint64_t position = 0;  // of the Saved event
  bool operator==(const MailRow&) const = default;
};

// A message as its sender sees it: with a read receipt.
struct SentRow {
  std::string id, sender, receiver, text;
  std::int64_t sent_at_us = 0;
  bool read = false;
  std::int64_t read_at_us = 0;  // when read
  std::uint64_t position = 0;   // of the Sent event
  bool operator==(const SentRow&) const = default;
};

struct AlarmRow {
  std::string alarm_id, message_id, phone, kind, channel;
  std::int64_t alarmed_at_us = 0;
  std::uint64_t position = 0;  // of the Alarmed event
  bool operator==(const AlarmRow&) const = default;
};

struct DeadLetterRow {
  AlarmRow alarm;  // alarmed_at_us: when it was dead-lettered
  std::string reason;
  std::uint64_t attempts = 0;
  bool operator==(const DeadLetterRow&) const = default;
};

std::string encode(const MailRow& row);
std::string encode(const DeadLetterRow& row);
std::optional<DeadLetterRow> decode_dead_letter(std::string_view bytes);
std::optional<MailRow> decode_mail(std::string_view bytes);
std::string encode(const SentRow& row);
std::optional<SentRow> decode_sent(std::string_view bytes);
std::string encode(const AlarmRow& row);
std::optional<AlarmRow> decode_alarm(std::string_view bytes);

namespace row_keys {
std::string message(std::string_view id);
std::string receiver_prefix(std::string_view receiver);
std::string receiver_entry(std::string_view receiver, std::uint64_t position);
inline constexpr std::string_view kLatestPrefix = "l/";
std::string latest_entry(std::uint64_t position);
std::string unread(std::string_view receiver);
std::string sender_prefix(std::string_view sender);
std::string sender_entry(std::string_view sender, std::uint64_t position);
std::string phone_prefix(std::string_view phone);
std::string phone_entry(std::string_view phone, std::uint64_t position);
inline constexpr std::string_view kDeadLetterPrefix = "x/";
std::string dead_letter_entry(std::uint64_t position);
inline constexpr std::string_view kDeadLetterOfPrefix = "xa/";
std::string dead_letter_of(std::string_view alarm_id);
}  // namespace row_keys

}  // namespace mailbox::queries
