#include "app/queries/sentmails_projection.h"

#include "app/events.h"
#include "app/queries/rows.h"

namespace mailbox::queries {

bool SentmailsProjection::wants(std::string_view type) const {
  return type == app::kSentType || type == app::kReadType;
}

eventstore::Status SentmailsProjection::apply(const eventstore::RecordedEvent& event, projections::ViewWriter& view) {
  auto decoded = app::decode(event);
  if (!decoded) return std::unexpected(decoded.error());

  if (const auto* sent = std::get_if<app::Sent>(&*decoded)) {
    const std::string key = row_keys::message(sent->message_id);
    // The send command writes a message's Sent as the first event of the message's own
    // stream, which the log lets happen once: such a Sent is the message's first, with
    // no lookup. A Sent anywhere else (none is written so) is looked up first.
    if (event.version != 1 || event.stream != app::message_stream(sent->message_id)) {
      auto existing = view.get(key);
      if (!existing) return std::unexpected(existing.error());
      if (*existing) return {};  // one Sent per message; a second changes nothing
    }
    SentRow row{sent->message_id, sent->sender, sent->receiver, sent->text, sent->sent_at_us, false, 0, event.position};
    view.put(key, encode(row));
    view.put(row_keys::sender_entry(row.sender, row.position), row.id);
    return {};
  }

  if (const auto* read = std::get_if<app::Read>(&*decoded)) {
    const std::string key = row_keys::message(read->message_id);
    auto existing = view.get(key);
    if (!existing) return std::unexpected(existing.error());
    // A Read follows its message's Sent in the log.
    if (!*existing)
      return eventstore::fail(eventstore::Code::corruption, "Read of message " + read->message_id + " that was not sent");
    auto row = decode_sent(**existing);
    if (!row) return eventstore::fail(eventstore::Code::corruption, "sent row of " + read->message_id + " does not decode");
    if (row->read) return {};
    row->read = true;
    row->read_at_us = read->read_at_us;
    view.put(key, encode(*row));
    return {};
  }
  return {};
}

}  // namespace mailbox::queries
