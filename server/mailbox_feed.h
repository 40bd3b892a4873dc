#pragma once
// One receiver's mailbox as Server-Sent Events (GET /readmails/live): an event `mail`
// for each message that arrives in it or is marked read, its data the message as
// /readmails shows it, its SSE id the log position of the change, so that a client
// reconnecting with Last-Event-ID resumes right after the last change it saw. A change
// is sent once the readmails view shows it. A comment line goes out whenever nothing
// else has for a keepalive period, so that proxies keep the connection open.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "app/engine.h"
#include "server/http_types.h"

namespace mailbox::server {

class MailboxFeed final : public ChunkStream, public std::enable_shared_from_this<MailboxFeed> {
 public:
  // Streams the receiver's changes after log position `after`. post runs a function on
  // an I/O thread; ending() says whether the server is shutting down (the feed then
  // ends). REQUIRES: engine outlives the feed.
  MailboxFeed(app::Engine& engine, std::string receiver, std::uint64_t after, std::chrono::milliseconds keepalive,
              std::function<void(std::function<void()>)> post, std::function<bool()> ending);
  void next(std::function<void(std::optional<std::string>)> deliver) override;
  void cancel() override;

 private:
  using Clock = std::chrono::steady_clock;
  using Deliver = std::function<void(std::optional<std::string>)>;
  using Change = std::pair<std::uint64_t, std::string>;  // position, message id

  // Sends the changes as the view now shows them; scanned_to is where the scan stopped.
  void send_changes(const std::vector<Change>& changes, std::uint64_t scanned_to, const Deliver& deliver);
  void send(std::string chunk, const Deliver& deliver);

  app::Engine& engine_;
  const std::string receiver_;
  std::uint64_t after_;  // last position sent or passed over
  const std::chrono::milliseconds keepalive_;
  std::function<void(std::function<void()>)> post_;
  std::function<bool()> ending_;
  std::atomic<bool> cancelled_{false};
  bool failed_ = false;  // a read failed: the stream ends (one caller at a time)
  Clock::time_point last_sent_ = Clock::now();
};

}  // namespace mailbox::server
