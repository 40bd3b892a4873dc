#include "app/events.h"

#include <chrono>

#include "core/eventstore/verified_flatbuffer.h"
#include "events_generated.h"

namespace mailbox::app {

namespace {

std::string str(const flatbuffers::String* s) { return s ? s->str() : std::string(); }

std::string finish(flatbuffers::FlatBufferBuilder& b) {
  return {reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize()};
}

// Strings are stored with their length (a NUL byte inside is kept) and made in field
// order, before their table, as flatc's Create*Direct helpers make them.
struct Encoder {
  flatbuffers::FlatBufferBuilder b{256};
  flatbuffers::Offset<flatbuffers::String> s(const std::string& v) { return b.CreateString(v); }
  static fb::AlarmKind kind(AlarmKind k) { return k == AlarmKind::sent ? fb::AlarmKind::Sent : fb::AlarmKind::Arrived; }

  std::string operator()(const Sent& e) {
    auto id = s(e.message_id), sender = s(e.sender), receiver = s(e.receiver), text = s(e.text);
    auto payment_ref = e.payment_ref.empty() ? flatbuffers::Offset<flatbuffers::String>() : s(e.payment_ref);
    b.Finish(fb::CreateSent(b, id, sender, receiver, text, e.sent_at_us, payment_ref));
    return finish(b);
  }
  std::string operator()(const Saved& e) {
    auto id = s(e.message_id), sender = s(e.sender), receiver = s(e.receiver), text = s(e.text);
    b.Finish(fb::CreateSaved(b, id, sender, receiver, text, e.sent_at_us));
    return finish(b);
  }
  std::string operator()(const Alarmed& e) {
    auto alarm_id = s(e.alarm_id), message_id = s(e.message_id), phone = s(e.phone), channel = s(e.channel);
    b.Finish(fb::CreateAlarmed(b, alarm_id, message_id, phone, kind(e.kind), channel, e.alarmed_at_us));
    return finish(b);
  }
  std::string operator()(const AlarmDeadLettered& e) {
    auto alarm_id = s(e.alarm_id), message_id = s(e.message_id), phone = s(e.phone), channel = s(e.channel);
    auto reason = s(e.reason);
    b.Finish(fb::CreateAlarmDeadLettered(b, alarm_id, message_id, phone, kind(e.kind), channel, reason, e.attempts,
                                         e.dead_lettered_at_us));
    return finish(b);
  }
  std::string operator()(const AlarmRedriveRequested& e) {
    auto alarm_id = s(e.alarm_id), message_id = s(e.message_id), phone = s(e.phone), preview = s(e.text_preview);
    b.Finish(fb::CreateAlarmRedriveRequested(b, alarm_id, message_id, phone, kind(e.kind), preview, e.requested_at_us));
    return finish(b);
  }
  std::string operator()(const WriterEpoch& e) {
    auto url = s(e.url);
    b.Finish(fb::CreateWriterEpoch(b, e.epoch, url, e.started_at_us));
    return finish(b);
  }
  std::string operator()(const Read& e) {
    auto message_id = s(e.message_id), receiver = s(e.receiver);
    b.Finish(fb::CreateRead(b, message_id, receiver, e.read_at_us));
    return finish(b);
  }
};

// Verifies the payload as T and hands the root to read.
template <class T, class F>
Result<MailboxEvent> verified(std::string_view payload, F read) {
  const T* root = eventstore::verified_root<T>(payload);
  if (root == nullptr) return eventstore::fail(Code::corruption, "event payload failed verification");
  return MailboxEvent(read(root));
}

}  // namespace

std::string_view to_string(AlarmKind kind) { return kind == AlarmKind::sent ? "sent" : "arrived"; }

std::string_view type_of(const MailboxEvent& event) {
  static constexpr std::string_view kTypes[] = {kSentType, kSavedType, kAlarmedType, kReadType,
                                                kAlarmDeadLetteredType, kAlarmRedriveRequestedType, kWriterEpochType};
  return kTypes[event.index()];
}

std::string encode(const MailboxEvent& event) {
  Encoder encoder;
  return std::visit(encoder, event);
}

eventstore::NewEvent to_new_event(const MailboxEvent& event) {
  eventstore::NewEvent e;
  e.type = std::string(type_of(event));
  e.payload = encode(event);
  return e;
}

Result<MailboxEvent> decode(std::string_view type, std::string_view payload) {
  if (type == kSentType)
    return verified<fb::Sent>(payload, [](const fb::Sent* t) {
      return Sent{str(t->message_id()), str(t->sender()), str(t->receiver()), str(t->text()), t->sent_at_us(),
                  str(t->payment_ref())};
    });
  if (type == kSavedType)
    return verified<fb::Saved>(payload, [](const fb::Saved* t) {
      return Saved{str(t->message_id()), str(t->sender()), str(t->receiver()), str(t->text()), t->sent_at_us()};
    });
  if (type == kAlarmedType)
    return verified<fb::Alarmed>(payload, [](const fb::Alarmed* t) {
      return Alarmed{str(t->alarm_id()),
                     str(t->message_id()),
                     str(t->phone()),
                     t->kind() == fb::AlarmKind::Sent ? AlarmKind::sent : AlarmKind::arrived,
                     str(t->channel()),
                     t->alarmed_at_us()};
    });
  if (type == kReadType)
    return verified<fb::Read>(payload, [](const fb::Read* t) {
      return Read{str(t->message_id()), str(t->receiver()), t->read_at_us()};
    });
  if (type == kAlarmDeadLetteredType)
    return verified<fb::AlarmDeadLettered>(payload, [](const fb::AlarmDeadLettered* t) {
      return AlarmDeadLettered{str(t->alarm_id()),
                               str(t->message_id()),
                               str(t->phone()),
                               t->kind() == fb::AlarmKind::Sent ? AlarmKind::sent : AlarmKind::arrived,
                               str(t->channel()),
                               str(t->reason()),
                               t->attempts(),
                               t->dead_lettered_at_us()};
    });
  if (type == kAlarmRedriveRequestedType)
    return verified<fb::AlarmRedriveRequested>(payload, [](const fb::AlarmRedriveRequested* t) {
      return AlarmRedriveRequested{str(t->alarm_id()),
                                   str(t->message_id()),
                                   str(t->phone()),
                                   t->kind() == fb::AlarmKind::Sent ? AlarmKind::sent : AlarmKind::arrived,
                                   str(t->text_preview()),
                                   t->requested_at_us()};
    });
  if (type == kWriterEpochType)
    return verified<fb::WriterEpoch>(payload, [](const fb::WriterEpoch* t) {
      return WriterEpoch{t->epoch(), str(t->url()), t->started_at_us()};
    });
  return eventstore::fail(Code::invalid_argument, "unknown event type '" + std::string(type) + "'");
}

std::string message_stream(std::string_view message_id) { return "message-" + std::string(message_id); }

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mailbox::app
