#include "server/live_tail.h"

#include "app/event_json.h"

namespace mailbox::server {

LiveTail::LiveTail(app::Engine& engine, LiveFilter filter, std::uint64_t after, std::chrono::milliseconds keepalive,
                   std::function<void(std::function<void()>)> post, std::function<bool()> ending)
    : engine_(engine),
      filter_(std::move(filter)),
      after_(after),
      keepalive_(keepalive),
      post_(std::move(post)),
      ending_(std::move(ending)) {}

void LiveTail::cancel() { cancelled_ = true; }

void LiveTail::next(std::function<void(std::optional<std::string>)> deliver) {
  if (cancelled_ || failed_ || ending_()) return deliver(std::nullopt);
  std::string chunk;
  std::uint64_t scanned_to = after_;
  auto s = engine_.events().scan(after_ + 1, 256, [&](queries::LoggedEvent&& e) {
    scanned_to = e.position;
    if ((!filter_.types.empty() && !filter_.types.contains(e.type)) ||
        (!filter_.stream.empty() && e.stream != filter_.stream))
      return true;
    chunk += "id: " + std::to_string(e.position) + "\nevent: " + e.type + "\ndata: " + app::recorded_event_json(e) +
             "\n\n";
    return chunk.size() < 64 * 1024;
  });
  if (!s) {
    failed_ = true;  // said once; the stream ends after it (the client may resume later)
    return deliver("event: error\ndata: " + s.error().message + "\n\n");
  }
  after_ = scanned_to;
  if (!chunk.empty()) return deliver(std::move(chunk));
  // Nothing new: wait for the next commit, or say we are alive.
  engine_.when_logged(after_ + 1, keepalive_, [self = shared_from_this(), deliver = std::move(deliver)](bool reached) {
    self->post_([self, deliver, reached] {
      if (self->cancelled_ || self->ending_()) return deliver(std::nullopt);
      if (!reached) return deliver(std::string(": keepalive\n\n"));
      self->next(deliver);
    });
  });
}

}  // namespace mailbox::server
