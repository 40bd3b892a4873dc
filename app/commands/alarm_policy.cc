#include "app/commands/alarm_policy.h"

#include "app/commands/policy_events.h"
#include "app/utf8.h"

namespace mailbox::commands {

std::vector<projections::Policy::Counter> AlarmPolicy::counters() const {
  return {{"alarms_delivered_total", "Alarms delivered since start.", delivered()},
          {"alarms_dead_lettered_total", "Alarms given up on (dead-lettered) since start.", dead_lettered()}};
}

bool AlarmPolicy::wants(std::string_view type) const {
  return type == app::kSentType || type == app::kSavedType || type == app::kAlarmRedriveRequestedType;
}

namespace {
std::string purpose_of(const Alarm& alarm) { return "alarm-" + std::string(app::to_string(alarm.kind)); }
}  // namespace

eventstore::Result<std::optional<Alarm>> AlarmPolicy::alarm_for(const eventstore::RecordedEvent& event) const {
  auto decoded = app::decode(event);
  if (!decoded) return std::unexpected(decoded.error());
  Alarm alarm;
  if (const auto* sent = std::get_if<app::Sent>(&*decoded)) {
    alarm = {"", sent->sender, app::AlarmKind::sent, sent->message_id,
             std::string(app::utf8_prefix(sent->text, kPreviewCodePoints))};
  } else if (const auto* saved = std::get_if<app::Saved>(&*decoded)) {
    alarm = {"", saved->receiver, app::AlarmKind::arrived, saved->message_id,
             std::string(app::utf8_prefix(saved->text, kPreviewCodePoints))};
  } else if (const auto* redrive = std::get_if<app::AlarmRedriveRequested>(&*decoded)) {
    // The same alarm again, under the same id: a receiver that got it after all drops it.
    return std::optional<Alarm>(Alarm{redrive->alarm_id, redrive->phone, redrive->kind, redrive->message_id,
                                      redrive->text_preview});
  } else {
    return std::optional<Alarm>{};
  }
  // Stable across retries and restarts: the receiver's idempotency key.
  alarm.alarm_id = eventstore::to_string(eventstore::derive_event_id(event.id, purpose_of(alarm)));
  return std::optional<Alarm>(std::move(alarm));
}

eventstore::Result<std::vector<eventstore::StreamAppend>> AlarmPolicy::answer(const eventstore::RecordedEvent& event,
                                                                             const Alarm& alarm,
                                                                             const Delivery& delivery) {
  std::vector<eventstore::StreamAppend> out;
  switch (delivery.outcome) {
    case Delivery::Outcome::delivered: {
      ++delivered_;
      app::Alarmed alarmed{alarm.alarm_id, alarm.message_id, alarm.phone, alarm.kind, std::string(sink_.channel()),
                           app::now_us()};
      out.push_back(
          {event.stream, eventstore::ExpectedVersion::any(), {derived_event(alarmed, event, purpose_of(alarm))}});
      return out;
    }
    case Delivery::Outcome::reject: {
      ++dead_lettered_;
      app::AlarmDeadLettered dead{alarm.alarm_id,  alarm.message_id,           alarm.phone,
                                  alarm.kind,      std::string(sink_.channel()), delivery.detail,
                                  delivery.attempts, app::now_us()};
      out.push_back(
          {event.stream, eventstore::ExpectedVersion::any(), {derived_event(dead, event, "dead-" + purpose_of(alarm))}});
      return out;
    }
    case Delivery::Outcome::retry: break;
  }
  return eventstore::fail(eventstore::Code::unavailable,
                          delivery.detail.empty() ? "the alarm channel asks to retry later" : delivery.detail);
}

eventstore::Result<std::vector<eventstore::StreamAppend>> AlarmPolicy::react(const eventstore::RecordedEvent& event) {
  auto alarm = alarm_for(event);
  if (!alarm) return std::unexpected(alarm.error());
  if (!*alarm) return std::vector<eventstore::StreamAppend>{};
  return answer(event, **alarm, sink_.deliver(**alarm));
}

projections::Policy::BatchReaction AlarmPolicy::react_batch(std::span<const eventstore::RecordedEvent> events) {
  BatchReaction out;
  std::vector<Alarm> alarms;
  std::vector<std::size_t> alarm_of(events.size(), SIZE_MAX);
  std::size_t usable = events.size();
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto alarm = alarm_for(events[i]);
    if (!alarm) {  // stop before an event that cannot be read; what precedes is still done
      out.stopped = alarm.error();
      usable = i;
      break;
    }
    if (*alarm) {
      alarm_of[i] = alarms.size();
      alarms.push_back(std::move(**alarm));
    }
  }
  const auto deliveries = alarms.empty() ? std::vector<Delivery>{} : sink_.deliver_many(alarms);
  for (std::size_t i = 0; i < usable; ++i) {
    if (alarm_of[i] == SIZE_MAX) {
      out.answers.emplace_back();
      continue;
    }
    auto a = answer(events[i], alarms[alarm_of[i]], deliveries[alarm_of[i]]);
    if (!a) {
      out.stopped = a.error();
      return out;
    }
    out.answers.push_back(std::move(*a));
  }
  return out;
}

}  // namespace mailbox::commands
