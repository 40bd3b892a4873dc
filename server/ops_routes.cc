// Health, readiness and metrics.
#include "app/json_writer.h"
#include "server/api.h"
#include "server/problem.h"

namespace mailbox::server {

void Api::post_rebuild(const HttpRequest& req, Respond respond) {
  const std::string view(req.param("view").value_or("all"));
  if (view != "readmails" && view != "alarms" && view != "all")
    return respond(problem(422, "view: must be readmails, alarms or all", "view"));
  std::lock_guard lock(rebuild_mutex_);
  if (rebuilding_) return respond(problem(409, "a rebuild is already running"));
  if (draining_) return respond(problem(503, "the server is shutting down"));
  if (rebuild_thread_.joinable()) rebuild_thread_.join();  // the previous one has finished
  rebuilding_ = true;
  rebuild_thread_ = std::thread([this, view, respond = std::move(respond)] {
    app::JsonWriter w;
    w.begin_array();
    std::optional<eventstore::Error> failed;
    for (auto* host : {&engine_.readmails_view(), &engine_.alarms_view()}) {
      if (view != "all" && view != host->name()) continue;
      const auto started = std::chrono::steady_clock::now();
      auto r = host->rebuild_online();
      if (!r) {
        failed = r.error();
        break;
      }
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      w.begin_object().field("view", host->name()).field("generation", r->generation);
      w.field("position", r->position).field("rowsWritten", r->rows_written);
      w.key("seconds").raw(std::to_string(seconds)).end_object();
    }
    w.end_array();
    {
      std::lock_guard lock(rebuild_mutex_);
      rebuilding_ = false;
    }
    if (failed) return respond(problem(*failed));
    HttpResponse out;
    out.body = w.take();
    respond(std::move(out));
  });
}

void Api::get_health(Respond respond) {
  HttpResponse r;
  r.body = R"({"status":"ok"})";
  respond(std::move(r));
}

void Api::get_ready(Respond respond) {
  app::JsonWriter w;
  w.begin_object();
  std::string reason;
  if (draining_) reason = "draining";
  else if (!ready_) reason = "catching up";
  else if (auto e = engine_.readmails_view().error()) reason = "readmails view halted: " + e->message;
  else if (auto p = engine_.mailbox_policy().state().error()) reason = "mailbox policy halted: " + p->message;
  HttpResponse r;
  r.status = reason.empty() ? 200 : 503;
  w.field("ready", reason.empty());
  if (!reason.empty()) w.field("reason", reason);
  w.field("head", engine_.log().head());
  w.field("mailboxPolicy", engine_.mailbox_policy().position());
  w.field("readmails", engine_.readmails_view().position().get());
  w.field("alarmPolicy", engine_.alarm_policy().position());
  w.field("alarms", engine_.alarms_view().position().get());
  w.end_object();
  r.body = w.take();
  respond(std::move(r));
}

void Api::get_metrics(Respond respond) {
  HttpResponse r;
  r.content_type = "text/plain; version=0.0.4";
  r.body = metrics_.render(engine_);
  respond(std::move(r));
}

}  // namespace mailbox::server
