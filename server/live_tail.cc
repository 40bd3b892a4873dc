#include "server/live_tail.h"

#include <sstream>

#include "app/event_json.h"
#include "server/api.h"
#include "server/problem.h"
#include "server/request_params.h"

namespace mailbox::server {

LiveTail::LiveTail(const eventstore::EventStore& log, PositionWaiters& waiters, LiveFilter filter,
                   std::uint64_t after, std::chrono::milliseconds keepalive,
                   std::function<void(std::function<void()>)> post)
    : log_(log), waiters_(waiters), filter_(std::move(filter)), after_(after), keepalive_(keepalive),
      post_(std::move(post)) {}

void LiveTail::cancel() { cancelled_ = true; }

void LiveTail::next(std::function<void(std::optional<std::string>)> deliver) {
  if (cancelled_) return deliver(std::nullopt);
  std::string chunk;
  std::uint64_t scanned_to = after_;
  auto s = log_.scan_log(after_ + 1, 256, [&](eventstore::RecordedEvent&& e) {
    scanned_to = e.position;
    if ((!filter_.types.empty() && !filter_.types.contains(e.type)) ||
        (!filter_.stream.empty() && e.stream != filter_.stream))
      return true;
    chunk += "id: " + std::to_string(e.position) + "\nevent: " + e.type + "\ndata: " + app::recorded_event_json(e) +
             "\n\n";
    return chunk.size() < 64 * 1024;
  });
  if (!s) return deliver("event: error\ndata: " + s.error().message + "\n\n");
  after_ = scanned_to;
  if (!chunk.empty()) return deliver(std::move(chunk));
  // Nothing new: wait for the next commit, or say we are alive.
  waiters_.wait(log_.committed(), after_ + 1, keepalive_,
                [self = shared_from_this(), deliver = std::move(deliver)](bool reached) {
                  self->post_([self, deliver, reached] {
                    if (self->cancelled_) return deliver(std::nullopt);
                    if (!reached) return deliver(std::string(": keepalive\n\n"));
                    self->next(deliver);
                  });
                });
}

void Api::get_live(const HttpRequest& req, Respond respond) {
  if (draining_) return respond(problem(503, "the server is shutting down"));
  LiveFilter filter;
  if (auto types = req.param("type")) {
    std::stringstream list{std::string(*types)};
    for (std::string t; std::getline(list, t, ',');)
      if (!t.empty()) filter.types.insert(t);
  }
  if (auto stream = req.param("stream")) filter.stream = std::string(*stream);
  // Resume after Last-Event-ID; otherwise after ?from= minus one; otherwise from now.
  std::uint64_t after = engine_.log().head();
  if (auto last = req.header("last-event-id")) {
    HttpRequest probe;
    probe.query.emplace("Last-Event-ID", std::string(*last));
    auto v = uint_param(probe, "Last-Event-ID", 0);
    if (auto* r = std::get_if<HttpResponse>(&v)) return respond(std::move(*r));
    after = std::get<std::uint64_t>(v);
  } else if (req.param("from")) {
    auto v = uint_param(req, "from", 1);
    if (auto* r = std::get_if<HttpResponse>(&v)) return respond(std::move(*r));
    after = std::max<std::uint64_t>(std::get<std::uint64_t>(v), 1) - 1;
  }
  HttpResponse r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.stream = std::make_shared<LiveTail>(engine_.log(), waiters_, std::move(filter), after,
                                        std::chrono::duration_cast<std::chrono::milliseconds>(options_.sse_keepalive),
                                        post_);
  respond(std::move(r));
}

}  // namespace mailbox::server
