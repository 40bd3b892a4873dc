#include "server/api.h"

#include <vector>

#include "server/problem.h"

namespace mailbox::server {

using Clock = std::chrono::steady_clock;

Api::Api(app::Engine& engine, Metrics& metrics, Post post, ApiOptions options)
    : engine_(engine),
      metrics_(metrics),
      post_(std::move(post)),
      options_(options),
      waiters_({&engine.log().committed(), &engine.mailbox_policy().state().position(),
                &engine.alarm_policy().state().position(), &engine.readmails_view().position(),
                &engine.alarms_view().position()}) {}

Api::~Api() {
  waiters_.cancel_all();
  std::thread rebuild;
  {
    std::lock_guard lock(rebuild_mutex_);
    rebuild = std::move(rebuild_thread_);
  }
  if (rebuild.joinable()) rebuild.join();  // outside the lock: the thread takes it to finish
}

void Api::drain() {
  draining_ = true;
  waiters_.cancel_all();
}

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> parts;
  while (!path.empty()) {
    if (path.front() == '/') {
      path.remove_prefix(1);
      continue;
    }
    const auto slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash);
  }
  return parts;
}

}  // namespace

void Api::handle(HttpRequest req, Respond respond) {
  const auto started = Clock::now();
  const auto parts = split_path(req.path);
  const std::string& method = req.method;

  // Each route: its name for metrics, the methods it takes, and what runs.
  std::string route;
  std::string allow;
  std::function<void(Respond)> run;
  auto on = [&](std::string name, std::string methods, std::function<void(Respond)> fn) {
    route = std::move(name);
    allow = std::move(methods);
    run = std::move(fn);
  };
  const std::size_t n = parts.size();
  if (n == 1 && parts[0] == "mobiles") {
    on("/mobiles", "POST", [&](Respond r) { post_mobiles(req, std::move(r)); });
  } else if (n == 1 && parts[0] == "readmails") {
    on("/readmails", "GET", [&](Respond r) { get_readmails(req, std::move(r)); });
  } else if (n == 2 && parts[0] == "readmails" && parts[1] == "unread-count") {
    on("/readmails/unread-count", "GET", [&](Respond r) { get_unread_count(req, std::move(r)); });
  } else if (n == 2 && parts[0] == "readmails") {
    on("/readmails/{id}", "GET", [&, id = std::string(parts[1])](Respond r) { get_readmail(req, id, std::move(r)); });
  } else if (n == 3 && parts[0] == "readmails" && parts[2] == "read") {
    on("/readmails/{id}/read", "POST",
       [&, id = std::string(parts[1])](Respond r) { post_mark_read(req, id, std::move(r)); });
  } else if (n == 1 && (parts[0] == "alarms" || parts[0] == "alarmLists")) {
    on("/" + std::string(parts[0]), "GET",
       [&, collection = std::string(parts[0])](Respond r) { get_alarms(req, collection, std::move(r)); });
  } else if (n == 4 && parts[0] == "alarms" && parts[1] == "dead-letters" && parts[3] == "redrive") {
    on("/alarms/dead-letters/{alarmId}/redrive", "POST",
       [&, id = std::string(parts[2])](Respond r) { post_redrive(req, id, std::move(r)); });
  } else if (n == 2 && parts[0] == "alarms" && parts[1] == "dead-letters") {
    on("/alarms/dead-letters", "GET", [&](Respond r) { get_dead_letters(req, std::move(r)); });
  } else if (n == 1 && parts[0] == "events") {
    on("/events", "GET", [&](Respond r) { get_events(req, std::move(r)); });
  } else if (n == 2 && parts[0] == "events" && parts[1] == "live") {
    on("/events/live", "GET", [&](Respond r) { get_live(req, std::move(r)); });
  } else if (n >= 2 && parts[0] == "streams") {
    // A stream name may hold slashes: everything after /streams/.
    const auto at = req.path.find("/streams/") + 9;
    on("/streams/{name}", "GET", [&, name = req.path.substr(at)](Respond r) { get_stream(req, name, std::move(r)); });
  } else if (n == 2 && parts[0] == "admin" && parts[1] == "rebuild") {
    on("/admin/rebuild", "POST", [&](Respond r) { post_rebuild(req, std::move(r)); });
  } else if (n == 1 && parts[0] == "healthz") {
    on("/healthz", "GET", [&](Respond r) { get_health(std::move(r)); });
  } else if (n == 1 && parts[0] == "readyz") {
    on("/readyz", "GET", [&](Respond r) { get_ready(std::move(r)); });
  } else if (n == 1 && parts[0] == "metrics") {
    on("/metrics", "GET", [&](Respond r) { get_metrics(std::move(r)); });
  }

  // Answers are counted once, with the route's name (or "other").
  Respond counted = [this, route = route.empty() ? std::string("other") : method + " " + route, started,
                     respond = std::move(respond)](HttpResponse r) {
    metrics_.record_request(route, r.status, std::chrono::duration<double>(Clock::now() - started).count());
    respond(std::move(r));
  };
  if (!run) return counted(problem(404, "no resource at " + req.path));
  if (method != allow) {
    HttpResponse r = problem(405, method + " is not allowed on " + req.path + "; use " + allow);
    r.headers.emplace_back("Allow", allow);
    return counted(std::move(r));
  }
  run(std::move(counted));
}

void Api::after(View view, std::uint64_t min_position, std::chrono::milliseconds wait,
                std::function<void(bool fresh)> then) {
  if (min_position == 0) return then(true);
  if (draining_) return then(false);
  const auto deadline = Clock::now() + wait;
  auto left = [deadline] {
    return std::chrono::ceil<std::chrono::milliseconds>(std::max(deadline - Clock::now(), Clock::duration(0)));
  };
  // Continuations hop to an I/O thread: the waiters call back on the writer, a worker
  // or the timer thread, which must not run queries.
  auto on_io = [post = post_](std::function<void(bool)> next) {
    return [post, next = std::move(next)](bool ok) { post([next, ok] { next(ok); }); };
  };
  // Stage 1: the mailbox policy has handled min_position, so the Saved it caused is at
  // or below the head as of then. For alarms, the alarm policy must then have handled
  // that head too. Last stage: the view has applied it.
  auto last_stage = [this, view, left, on_io, then](bool ok) {
    if (!ok) return then(false);
    const auto& position =
        view == View::readmails ? engine_.readmails_view().position() : engine_.alarms_view().position();
    waiters_.wait(position, engine_.log().head(), left(), on_io(then));
  };
  waiters_.wait(engine_.mailbox_policy().state().position(), min_position, left(),
                on_io([this, view, left, on_io, last_stage](bool ok) {
                  if (!ok || view == View::readmails) return last_stage(ok);
                  waiters_.wait(engine_.alarm_policy().state().position(), engine_.log().head(), left(),
                                on_io(last_stage));
                }));
}

}  // namespace mailbox::server
