#pragma once
// The log as Server-Sent Events (GET /events/live). Each event's SSE id is its
// position, so a client that reconnects with Last-Event-ID resumes right after the last
// event it saw. Filters by event type and stream. An idle tail sends a comment line now
// and then, so that proxies keep the connection open.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "app/engine.h"
#include "server/http_types.h"

namespace mailbox::server {

struct LiveFilter {
  std::set<std::string, std::less<>> types;  // empty: every type
  std::string stream;                        // empty: every stream
};

class LiveTail final : public ChunkStream, public std::enable_shared_from_this<LiveTail> {
 public:
  // Streams events after position `after`. post runs a function on an I/O thread;
  // ending() says whether the server is shutting down (the tail then ends).
  // REQUIRES: engine outlives the tail.
  LiveTail(app::Engine& engine, LiveFilter filter, std::uint64_t after, std::chrono::milliseconds keepalive,
           std::function<void(std::function<void()>)> post, std::function<bool()> ending);
  void next(std::function<void(std::optional<std::string>)> deliver) override;
  void cancel() override;

 private:
  app::Engine& engine_;
  const LiveFilter filter_;
  std::uint64_t after_;  // last position sent or passed over
  const std::chrono::milliseconds keepalive_;
  std::function<void(std::function<void()>)> post_;
  std::function<bool()> ending_;
  std::atomic<bool> cancelled_{false};
  bool failed_ = false;  // a read of the log failed: the stream ends (one caller at a time)
};

}  // namespace mailbox::server
