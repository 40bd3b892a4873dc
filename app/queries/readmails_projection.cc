#include "app/queries/readmails_projection.h"

#include "app/events.h"
#include "app/queries/rows.h"
#include "core/eventstore/big_endian.h"

namespace mailbox::queries {


namespace {

eventstore::Status corrupt(std::string what) { return eventstore::fail(eventstore::Code::corruption, std::move(what)); }

eventstore::Status add_unread(projections::ViewWriter& view, std::string_view receiver, int delta) {
  const std::string key = row_keys::unread(receiver);
  auto stored = view.get(key);
  if (!stored) return std::unexpected(stored.error());
  std::uint64_t count = 0;
  if (*stored) {
    auto v = eventstore::decode_u64(**stored);
    if (!v) return corrupt("unread count is not 8 bytes");
    count = *v;
  }
  if (delta < 0 && count == 0) return corrupt("unread count of " + std::string(receiver) + " would go below 0");
  count = delta < 0 ? count - 1 : count + 1;
  view.put(key, eventstore::encode_u64(count));
  return {};
}

}  // namespace

bool ReadmailsProjection::wants(std::string_view type) const {
  return type == app::kSavedType || type == app::kReadType;
}

eventstore::Status ReadmailsProjection::apply(const eventstore::RecordedEvent& event, projections::ViewWriter& view) {
  auto decoded = app::decode(event);
  if (!decoded) return std::unexpected(decoded.error());

  if (const auto* saved = std::get_if<app::Saved>(&*decoded)) {
    const std::string key = row_keys::message(saved->message_id);
    auto existing = view.get(key);
    if (!existing) return std::unexpected(existing.error());
    if (*existing) return {};  // one Saved per message; a second changes nothing
    MailRow row{saved->message_id, saved->sender, saved->receiver, saved->text, saved->sent_at_us, false,
                event.position};
    view.put(key, encode(row));
    view.put(row_keys::receiver_entry(row.receiver, row.position), row.id);
    view.put(row_keys::latest_entry(row.position), row.id);
    return add_unread(view, row.receiver, +1);
  }

  if (const auto* read = std::get_if<app::Read>(&*decoded)) {
    const std::string key = row_keys::message(read->message_id);
    auto existing = view.get(key);
    if (!existing) return std::unexpected(existing.error());
    if (!*existing) return corrupt("Read of message " + read->message_id + " that is not in the view");
    auto row = decode_mail(**existing);
    if (!row) return corrupt("mail row of " + read->message_id + " does not decode");
    if (row->read) return {};
    row->read = true;
    view.put(key, encode(*row));
    return add_unread(view, row->receiver, -1);
  }
  return {};
}

}  // namespace mailbox::queries
