#include "app/queries/rows.h"

#include "app/queries/page.h"
#include "core/eventstore/big_endian.h"

namespace mailbox::queries {

namespace {

using eventstore::append_u64;
using eventstore::decode_u64;

// Field encoding: strings as u64 BE length then bytes; integers as u64 BE.
void put_string(std::string& out, std::string_view s) {
  append_u64(out, s.size());
  out.append(s);
}

class Reader {
 public:
  explicit Reader(std::string_view bytes) : rest_(bytes) {}
  bool u64(std::uint64_t& v) {
    if (rest_.size() < 8) return false;
    v = *decode_u64(rest_.substr(0, 8));
    rest_.remove_prefix(8);
    return true;
  }
  bool string(std::string& s) {
    std::uint64_t n;
    if (!u64(n) || rest_.size() < n) return false;
    s.assign(rest_.substr(0, n));
    rest_.remove_prefix(n);
    return true;
  }
  bool done() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

}  // namespace

std::string encode(const MailRow& r) {
  std::string out;
  put_string(out, r.id);
  put_string(out, r.sender);
  put_string(out, r.receiver);
  put_string(out, r.text);
  append_u64(out, static_cast<std::uint64_t>(r.sent_at_us));
  append_u64(out, r.read ? 1 : 0);
  append_u64(out, r.position);
  return out;
}

std::optional<MailRow> decode_mail(std::string_view bytes) {
  Reader in(bytes);
  MailRow r;
  std::uint64_t sent_at = 0, read = 0;
  if (!in.string(r.id) || !in.string(r.sender) || !in.string(r.receiver) || !in.string(r.text) || !in.u64(sent_at) ||
      !in.u64(read) || !in.u64(r.position) || !in.done())
    return std::nullopt;
  r.sent_at_us = static_cast<std::int64_t>(sent_at);
  r.read = read != 0;
  return r;
}

std::string encode(const SentRow& r) {
  std::string out;
  put_string(out, r.id);
  put_string(out, r.sender);
  put_string(out, r.receiver);
  put_string(out, r.text);
  append_u64(out, static_cast<std::uint64_t>(r.sent_at_us));
  append_u64(out, r.read ? 1 : 0);
  append_u64(out, static_cast<std::uint64_t>(r.read_at_us));
  append_u64(out, r.position);
  return out;
}

std::optional<SentRow> decode_sent(std::string_view bytes) {
  Reader in(bytes);
  SentRow r;
  std::uint64_t sent_at = 0, read = 0, read_at = 0;
  if (!in.string(r.id) || !in.string(r.sender) || !in.string(r.receiver) || !in.string(r.text) || !in.u64(sent_at) ||
      !in.u64(read) || !in.u64(read_at) || !in.u64(r.position) || !in.done())
    return std::nullopt;
  r.sent_at_us = static_cast<std::int64_t>(sent_at);
  r.read = read != 0;
  r.read_at_us = static_cast<std::int64_t>(read_at);
  return r;
}

std::string encode(const AlarmRow& r) {
  std::string out;
  put_string(out, r.alarm_id);
  put_string(out, r.message_id);
  put_string(out, r.phone);
  put_string(out, r.kind);
  put_string(out, r.channel);
  append_u64(out, static_cast<std::uint64_t>(r.alarmed_at_us));
  append_u64(out, r.position);
  return out;
}

std::optional<AlarmRow> decode_alarm(std::string_view bytes) {
  Reader in(bytes);
  AlarmRow r;
  std::uint64_t at = 0;
  if (!in.string(r.alarm_id) || !in.string(r.message_id) || !in.string(r.phone) || !in.string(r.kind) ||
      !in.string(r.channel) || !in.u64(at) || !in.u64(r.position) || !in.done())
    return std::nullopt;
  r.alarmed_at_us = static_cast<std::int64_t>(at);
  return r;
}

std::string encode(const DeadLetterRow& r) {
  std::string out;
  put_string(out, encode(r.alarm));
  put_string(out, r.reason);
  append_u64(out, r.attempts);
  return out;
}

std::optional<DeadLetterRow> decode_dead_letter(std::string_view bytes) {
  Reader in(bytes);
  DeadLetterRow r;
  std::string alarm;
  if (!in.string(alarm) || !in.string(r.reason) || !in.u64(r.attempts) || !in.done()) return std::nullopt;
  auto decoded = decode_alarm(alarm);
  if (!decoded) return std::nullopt;
  r.alarm = std::move(*decoded);
  return r;
}

namespace row_keys {

std::string message(std::string_view id) { return "m/" + std::string(id); }

std::string receiver_prefix(std::string_view receiver) {
  std::string k = "r/" + std::string(receiver);
  k.push_back('\0');
  return k;
}

std::string receiver_entry(std::string_view receiver, std::uint64_t position) {
  return index_key(receiver_prefix(receiver), position);
}

std::string latest_entry(std::uint64_t position) { return index_key(kLatestPrefix, position); }

std::string unread(std::string_view receiver) { return "u/" + std::string(receiver); }

std::string sender_prefix(std::string_view sender) {
  std::string k = "s/" + std::string(sender);
  k.push_back('\0');
  return k;
}

std::string sender_entry(std::string_view sender, std::uint64_t position) {
  return index_key(sender_prefix(sender), position);
}

std::string phone_prefix(std::string_view phone) {
  std::string k = "a/" + std::string(phone);
  k.push_back('\0');
  return k;
}

std::string phone_entry(std::string_view phone, std::uint64_t position) {
  return index_key(phone_prefix(phone), position);
}

std::string dead_letter_entry(std::uint64_t position) { return index_key(kDeadLetterPrefix, position); }

std::string dead_letter_of(std::string_view alarm_id) { return std::string(kDeadLetterOfPrefix) + std::string(alarm_id); }

}  // namespace row_keys

}  // namespace mailbox::queries
