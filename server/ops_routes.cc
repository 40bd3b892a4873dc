// Health, readiness and metrics.
#include "app/json_writer.h"
#include "server/api.h"

namespace mailbox::server {

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
