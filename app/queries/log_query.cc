#include "app/queries/log_query.h"

#include "app/events.h"

namespace mailbox::queries {

app::Result<StreamPage> LogQuery::stream(std::string_view name, std::uint64_t from_version, std::size_t limit) const {
  auto version = log_.stream_version(name);
  if (!version) return std::unexpected(version.error());
  if (*version == 0) return app::fail(app::Code::not_found, "no stream " + std::string(name));
  auto events = log_.read_stream(name, from_version, limit);
  if (!events) return std::unexpected(events.error());
  return StreamPage{*version, std::move(*events)};
}

app::Result<std::optional<std::uint64_t>> LogQuery::message_position(std::string_view message_id) const {
  if (message_id.empty() || message_id.size() > 200) return std::optional<std::uint64_t>{};
  auto events = log_.read_stream(app::message_stream(message_id), 1, 1);
  if (!events) return std::unexpected(events.error());
  if (events->empty()) return std::optional<std::uint64_t>{};
  return std::optional<std::uint64_t>(events->front().position);
}

}  // namespace mailbox::queries
