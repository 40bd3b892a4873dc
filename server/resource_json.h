#pragma once
// JSON shapes of the API's resources that are not events: mailbox entries, alarm
// entries, and Spring Data REST style collections (_embedded, _links).

#include <optional>
#include <string>
#include <string_view>

#include "app/json_writer.h"
#include "app/queries/alarms_query.h"
#include "app/queries/readmails_query.h"
#include "app/queries/sentmails_query.h"
#include "server/url.h"

namespace mailbox::server {

// {id, sender, receiver, text, sentAt, read, _links.self}
void write_mail(app::JsonWriter& w, const queries::MailEntry& mail);
// {id, receiver, text, sentAt, read, readAt (null while unread), _links.self}
void write_sent(app::JsonWriter& w, const queries::SentRow& sent);
// {id, messageId, phone, kind, channel, alarmedAt, _links.self}
void write_alarm(app::JsonWriter& w, const queries::AlarmEntry& alarm);
// {alarmId, messageId, phone, kind, channel, reason, attempts, deadLetteredAt, _links.redrive}
void write_dead_letter(app::JsonWriter& w, const queries::DeadLetterRow& dead);

// {"_embedded": {collection: [items]}, "_links": {"self": {"href"}, "next": {"href"}?}}
// next_href is built from base (path and fixed parameters) plus cursor and limit.
template <class T, class Write>
std::string collection_json(std::string_view collection, const queries::Page<T>& page, const std::string& self_href,
                            const std::string& base, std::size_t limit, Write write_item) {
  app::JsonWriter w;
  w.begin_object().key("_embedded").begin_object().key(collection).begin_array();
  for (const auto& item : page.items) write_item(w, item);
  w.end_array().end_object();
  w.key("_links").begin_object();
  w.key("self").begin_object().field("href", self_href).end_object();
  if (page.next_cursor) {
    const std::string sep = base.find('?') == std::string::npos ? "?" : "&";
    w.key("next").begin_object();
    w.field("href", base + sep + "cursor=" + *page.next_cursor + "&limit=" + std::to_string(limit));
    w.end_object();
  }
  w.end_object().end_object();
  return w.take();
}

}  // namespace mailbox::server
