#pragma once
// GET /events/live: the log as Server-Sent Events. Each event's SSE id is its position,
// so a client that reconnects with Last-Event-ID resumes right after the last event it
// saw. Filters by event type and stream. Idle connections get a comment line now and
// then, so that proxies keep them open.

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "core/eventstore/event_store.h"
#include "server/http_types.h"
#include "server/position_waiters.h"

namespace mailbox::server {

struct LiveFilter {
  std::set<std::string, std::less<>> types;  // empty: every type
  std::string stream;                        // empty: every stream
};

class LiveTail final : public ChunkStream, public std::enable_shared_from_this<LiveTail> {
 public:
  // Streams events after position `after`. REQUIRES: log and waiters outlive the tail.
  LiveTail(const eventstore::EventStore& log, PositionWaiters& waiters, LiveFilter filter, std::uint64_t after,
           std::chrono::milliseconds keepalive, std::function<void(std::function<void()>)> post);
  void next(std::function<void(std::optional<std::string>)> deliver) override;
  void cancel() override;

 private:
  const eventstore::EventStore& log_;
  PositionWaiters& waiters_;
  const LiveFilter filter_;
  std::uint64_t after_;  // last position sent or passed over
  const std::chrono::milliseconds keepalive_;
  std::function<void(std::function<void()>)> post_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace mailbox::server
