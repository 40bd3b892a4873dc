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

struct Encoder {
  flatbuffers::FlatBufferBuilder b{256};
  std::string operator()(const Sent& e) {
    auto t = fb::CreateSentDirect(b, e.message_id.c_str(), e.sender.c_str(), e.receiver.c_str(), e.text.c_str(),
                                  e.sent_at_us, e.payment_ref.empty() ? nullptr : e.payment_ref.c_str());
    b.Finish(t);
    return finish(b);
  }
  std::string operator()(const Saved& e) {
    b.Finish(fb::CreateSavedDirect(b, e.message_id.c_str(), e.sender.c_str(), e.receiver.c_str(), e.text.c_str(),
                                   e.sent_at_us));
    return finish(b);
  }
  std::string operator()(const Alarmed& e) {
    b.Finish(fb::CreateAlarmedDirect(b, e.alarm_id.c_str(), e.message_id.c_str(), e.phone.c_str(),
                                     e.kind == AlarmKind::sent ? fb::AlarmKind::Sent : fb::AlarmKind::Arrived,
                                     e.channel.c_str(), e.alarmed_at_us));
    return finish(b);
  }
  std::string operator()(const AlarmDeadLettered& e) {
    b.Finish(fb::CreateAlarmDeadLetteredDirect(b, e.alarm_id.c_str(), e.message_id.c_str(), e.phone.c_str(),
                                               e.kind == AlarmKind::sent ? fb::AlarmKind::Sent : fb::AlarmKind::Arrived,
                                               e.channel.c_str(), e.reason.c_str(), e.attempts, e.dead_lettered_at_us));
    return finish(b);
  }
  std::string operator()(const AlarmRedriveRequested& e) {
    b.Finish(fb::CreateAlarmRedriveRequestedDirect(
        b, e.alarm_id.c_str(), e.message_id.c_str(), e.phone.c_str(),
        e.kind == AlarmKind::sent ? fb::AlarmKind::Sent : fb::AlarmKind::Arrived, e.text_preview.c_str(),
        e.requested_at_us));
    return finish(b);
  }
  std::string operator()(const Read& e) {
    b.Finish(fb::CreateReadDirect(b, e.message_id.c_str(), e.receiver.c_str(), e.read_at_us));
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
                                                kAlarmDeadLetteredType, kAlarmRedriveRequestedType};
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
  return eventstore::fail(Code::invalid_argument, "unknown event type '" + std::string(type) + "'");
}

std::string message_stream(std::string_view message_id) { return "message-" + std::string(message_id); }

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace mailbox::app
