#include "server/api.h"

namespace mailbox::server {

Api::Api(app::Engine& engine, Metrics& metrics, Post post, ApiOptions options)
    : engine_(engine),
      metrics_(metrics),
      post_(std::move(post)),
      options_(options),
      web_(options_.web_dir.empty() ? StaticFiles() : StaticFiles(options_.web_dir)),
      live_(options_.max_live_subscribers),
      send_limiter_(options_.send_rate, options_.send_burst) {}

void Api::drain() {
  draining_ = true;
  engine_.cancel_waits();
}

void Api::become_ready_when_caught_up(std::function<void(std::uint64_t)> on_ready) {
  const std::uint64_t head = engine_.events().head();
  // The engine answers on a waiter thread; the answer hops to an I/O thread, where
  // nothing runs once the server has stopped.
  engine_.when_caught_up(head, std::chrono::hours(24 * 365),
                         [this, post = post_, head, on_ready = std::move(on_ready)](bool caught_up) {
                           if (!caught_up) return;
                           post([this, head, on_ready] {
                             ready_ = true;
                             if (on_ready) on_ready(head);
                           });
                         });
}

void Api::answer_live(const Caller& caller, std::shared_ptr<ChunkStream> stream, Answer answer) {
  auto counted = live_.admit(std::move(stream), caller.authenticated ? caller.subject : std::string());
  if (!counted)
    return answer(std::unexpected(problem(
        "overloaded", caller.authenticated ? "too many live streams, or " + std::to_string(LiveSubscribers::kPerPrincipal) +
                                                 " of yours already; close one or try again"
                                           : "too many live streams; try again")));
  Resource r{Resource::Kind::ok, {}, "text/event-stream", {{"Cache-Control", "no-cache"}}, nullptr};
  r.stream = std::move(counted);
  answer(std::move(r));
}

void Api::after(std::string_view view, std::uint64_t min_position, std::chrono::milliseconds wait,
                std::function<void(bool fresh)> then) {
  if (min_position == 0) return then(true);
  if (draining_) return then(false);
  // The engine calls back on a waiter thread, which must not run queries: hop to an
  // I/O thread.
  engine_.when_visible(view, min_position, wait, on_io<bool>(std::move(then)));
}

}  // namespace mailbox::server
