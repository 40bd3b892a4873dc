#include "app/commands/alarm_sink.h"

#include <spdlog/spdlog.h>

#include "app/json_writer.h"

namespace mailbox::commands {

eventstore::Status LogAlarmSink::deliver(const Alarm& alarm) {
  std::string preview;
  app::append_json_string(preview, alarm.text_preview);
  spdlog::info("alarm id={} phone={} kind={} message={} preview={}", alarm.alarm_id, alarm.phone,
               app::to_string(alarm.kind), alarm.message_id, preview);
  return {};
}

}  // namespace mailbox::commands
