#include "app/replication/writer_epochs.h"

#include "app/events.h"

namespace mailbox::replication {

app::Result<std::optional<EpochRecord>> epoch_at(const eventstore::EventStore& log, std::uint64_t upto) {
  auto version = log.stream_version(kWriterEpochsStream);
  if (!version) return std::unexpected(version.error());
  for (std::uint64_t v = *version; v >= 1; --v) {
    auto events = log.read_stream(kWriterEpochsStream, v, 1);
    if (!events) return std::unexpected(events.error());
    if (events->empty() || events->front().position > upto) continue;
    const auto& e = events->front();
    auto decoded = app::decode(e);
    const auto* epoch = decoded ? std::get_if<app::WriterEpoch>(&*decoded) : nullptr;
    if (epoch == nullptr)
      return app::fail(app::Code::corruption, "the event at position " + std::to_string(e.position) +
                                                  " in stream writer-epochs is not a WriterEpoch");
    return std::optional<EpochRecord>(EpochRecord{epoch->epoch, epoch->url, e.position});
  }
  return std::optional<EpochRecord>{};
}

app::Result<EpochRecord> append_epoch(eventstore::EventStore& log, std::uint64_t epoch, const std::string& url) {
  auto version = log.stream_version(kWriterEpochsStream);
  if (!version) return std::unexpected(version.error());
  auto appended = log.append(kWriterEpochsStream, eventstore::ExpectedVersion::exactly(*version),
                             {app::to_new_event(app::WriterEpoch{epoch, url, app::now_us()})});
  if (!appended) return std::unexpected(appended.error());
  return EpochRecord{epoch, url, appended->last_position};
}

}  // namespace mailbox::replication
