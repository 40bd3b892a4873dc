// Operations: online rebuild, backup, health, readiness, metrics and the API document.
#include <spdlog/spdlog.h>

#include <chrono>

#include "app/json_writer.h"
#include "server/api.h"
#include "server/openapi_document.h"

namespace mailbox::server {

namespace {

// Admin actions that append nothing are attributed here, in the log.
void log_asked(const Api::Call& call, const std::string& what) {
  const auto actor = call.caller.actor();
  spdlog::info("{} asked by {} (token id '{}', from {})", what, actor.principal, actor.token_id, actor.client_address);
}

}  // namespace

void Api::post_rebuild(const Call& call, Answer answer) {
  const std::string view(call.req.param("view").value_or("all"));
  std::vector<std::string> chosen;
  for (const auto& name : engine_.view_names())
    if (view == "all" || view == name) chosen.push_back(name);
  if (chosen.empty()) {
    std::string names;
    for (const auto& name : engine_.view_names()) names += name + ", ";
    return answer(std::unexpected(problem("invalid_parameter", "view: must be one of " + names + "or all", "view")));
  }
  if (draining_) return answer(std::unexpected(problem("shutting_down", "the server is shutting down")));
  auto rebuild = [this, chosen]() -> app::Result<std::string> {
    app::JsonWriter w;
    w.begin_array();
    for (const auto& name : chosen) {
      const auto started = std::chrono::steady_clock::now();
      auto r = engine_.rebuild(name);
      if (!r) return std::unexpected(r.error());
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      w.begin_object().field("view", name).field("generation", r->generation);
      w.field("position", r->position).field("rowsWritten", r->rows_written);
      w.key("seconds").raw(std::to_string(seconds)).end_object();
    }
    w.end_array();
    return w.take();
  };
  auto then = [answer](app::Result<std::string> done) {
    if (!done) return answer(std::unexpected(problem_of(done.error())));
    answer(Resource{Resource::Kind::ok, std::move(*done), "application/json", {}, nullptr});
  };
  if (!rebuild_job_.start(std::move(rebuild), std::move(then)))
    return answer(std::unexpected(problem("rebuild_running", "a rebuild is already running")));
  log_asked(call, "rebuild of " + view);
}

void Api::post_backup(const Call& call, Answer answer) {
  if (options_.backup_dir.empty())
    return answer(std::unexpected(problem("not_found", "backups are off: mailboxd was started without --backup-dir")));
  if (draining_) return answer(std::unexpected(problem("shutting_down", "the server is shutting down")));
  auto work = [this] { return engine_.take_backup(options_.backup_dir); };
  auto then = [answer](app::Result<backup::Taken> taken) {
    if (!taken) return answer(std::unexpected(problem_of(taken.error())));
    app::JsonWriter w;
    w.begin_object().field("name", taken->name).field("path", taken->path.string());
    w.field("lastPosition", taken->last_position).field("events", taken->events).field("bytes", taken->bytes);
    w.key("seconds").raw(std::to_string(taken->seconds)).end_object();
    answer(Resource{Resource::Kind::created, w.take(), "application/json", {}, nullptr});
  };
  if (!backup_job_.start(std::move(work), std::move(then)))
    return answer(std::unexpected(problem("backup_running", "a backup is already running")));
  log_asked(call, "backup into " + options_.backup_dir.string());
}

void Api::post_promote(const Call& call, Answer answer) {
  if (draining_) return answer(std::unexpected(problem("shutting_down", "the server is shutting down")));
  auto work = [this] { return engine_.promote(); };
  auto then = [answer](app::Result<app::Promotion> promoted) {
    if (!promoted) return answer(std::unexpected(problem_of(promoted.error())));
    app::JsonWriter w;
    w.begin_object().field("epoch", promoted->epoch).field("head", promoted->head).field("writer", promoted->url);
    w.field("inStream", promoted->in_stream).end_object();
    answer(Resource{Resource::Kind::ok, w.take(), "application/json", {}, nullptr});
  };
  if (!promote_job_.start(std::move(work), std::move(then)))
    return answer(std::unexpected(problem("promotion_running", "a promotion is already running")));
  log_asked(call, "promotion to writer");
}

void Api::get_health(const Call&, Answer answer) {
  answer(Resource{Resource::Kind::ok, R"({"status":"ok"})", "application/json", {}, nullptr});
}

void Api::get_ready(const Call&, Answer answer) {
  const app::EngineStatus status = engine_.status();
  app::Health health = app::health_of(status);
  if (draining_) health = {"shutting_down", "the server is shutting down"};
  // A problem the engine names (fenced, a full disk, ...) says more than "starting".
  else if (!ready_ && health.ok()) health = {"starting", "catching up with the log"};
  app::JsonWriter w;
  w.begin_object();
  w.field("ready", health.ok());
  if (!health.ok()) w.field("code", health.code).field("reason", health.reason);
  w.field("head", status.head);
  w.key("followers").begin_array();
  for (const auto& f : status.followers) {
    w.begin_object().field("name", f.name);
    w.field("kind", f.kind == app::FollowerStatus::Kind::policy ? "policy" : "view");
    w.field("position", f.position).field("lag", status.head - std::min(status.head, f.position));
    if (f.error) w.field("error", f.error->message);
    w.end_object();
  }
  w.end_array().end_object();
  answer(Resource{health.ok() ? Resource::Kind::ok : Resource::Kind::not_ready, w.take(), "application/json", {},
                  nullptr});
}

void Api::get_metrics(const Call&, Answer answer) {
  answer(Resource{Resource::Kind::ok, metrics_.render(engine_.status()), "text/plain; version=0.0.4", {}, nullptr});
}

void Api::get_openapi(const Call&, Answer answer) {
  answer(Resource{Resource::Kind::ok, std::string(openapi_document()), "application/json", {}, nullptr});
}

}  // namespace mailbox::server
