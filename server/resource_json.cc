#include "server/resource_json.h"

namespace mailbox::server {

void write_mail(app::JsonWriter& w, const queries::MailEntry& m) {
  w.begin_object();
  w.field("id", m.id).field("sender", m.sender).field("receiver", m.receiver).field("text", m.text);
  w.field("sentAt", app::rfc3339(m.sent_at_us)).field("read", m.read);
  w.key("_links").begin_object().key("self").begin_object().field("href", "/readmails/" + url_encode(m.id));
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

std::string url_encode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0x0f]);
    }
  }
  return out;
}

}  // namespace mailbox::server
