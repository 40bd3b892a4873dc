#include "server/resource_json.h"

#include "server/url.h"

namespace mailbox::server {

void write_mail(app::JsonWriter& w, const queries::MailEntry& m) {
  w.begin_object();
  w.field("id", m.id).field("sender", m.sender).field("receiver", m.receiver).field("text", m.text);
  w.field("sentAt", app::rfc3339(m.sent_at_us)).field("read", m.read);
  w.key("_links").begin_object().key("self").begin_object().field("href", "/readmails/" + url_encode(m.id));
  w.end_object().end_object();
  w.end_object();
}

void write_sent(app::JsonWriter& w, const queries::SentRow& s) {
  w.begin_object();
  w.field("id", s.id).field("receiver", s.receiver).field("text", s.text);
  w.field("sentAt", app::rfc3339(s.sent_at_us)).field("read", s.read).key("readAt");
  if (s.read) w.string(app::rfc3339(s.read_at_us));
  else w.null();
  w.key("_links").begin_object().key("self").begin_object().field("href", "/readmails/" + url_encode(s.id));
  w.end_object().end_object();
  w.end_object();
}

void write_alarm(app::JsonWriter& w, const queries::AlarmEntry& a) {
  w.begin_object();
  w.field("id", a.alarm_id).field("messageId", a.message_id).field("phone", a.phone).field("kind", a.kind);
  w.field("channel", a.channel).field("alarmedAt", app::rfc3339(a.alarmed_at_us));
  w.key("_links").begin_object().key("message").begin_object().field("href", "/readmails/" + url_encode(a.message_id));
  w.end_object().end_object();
  w.end_object();
}

void write_dead_letter(app::JsonWriter& w, const queries::DeadLetterRow& d) {
  w.begin_object().field("alarmId", d.alarm.alarm_id).field("messageId", d.alarm.message_id);
  w.field("phone", d.alarm.phone).field("kind", d.alarm.kind);
  w.field("channel", d.alarm.channel).field("reason", d.reason);
  w.field("attempts", d.attempts).field("deadLetteredAt", app::rfc3339(d.alarm.alarmed_at_us));
  w.key("_links").begin_object().key("redrive").begin_object();
  w.field("href", "/alarms/dead-letters/" + url_encode(d.alarm.alarm_id) +
                      "/redrive?messageId=" + url_encode(d.alarm.message_id));
  w.end_object().end_object().end_object();
}

}  // namespace mailbox::server
