#include "app/commands/alarm_sink.h"

#include <spdlog/spdlog.h>

#include "app/json_writer.h"

namespace mailbox::commands {

std::vector<Delivery> AlarmSink::deliver_many(const std::vector<Alarm>& alarms) {
  std::vector<Delivery> out;
  out.reserve(alarms.size());
  for (const auto& alarm : alarms) {
    if (!out.empty() && out.back().outcome == Delivery::Outcome::retry) {
      out.push_back(out.back());
      continue;
    }
    out.push_back(deliver(alarm));
  }
  return out;
}

Delivery LogAlarmSink::deliver(const Alarm& alarm) {
  std::string preview;
  app::append_json_string(preview, alarm.text_preview);
  spdlog::info("alarm id={} phone={} kind={} message={} preview={}", alarm.alarm_id, alarm.phone,
               app::to_string(alarm.kind), alarm.message_id, preview);
  return Delivery::delivered();
}

}  // namespace mailbox::commands
