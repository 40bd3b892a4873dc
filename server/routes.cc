// The route table: every route of the API with its method and handler, and the
// dispatch that answers 404 and 405 from it.
#include <chrono>

#include "server/api.h"

namespace mailbox::server {

const std::vector<Api::Route>& Api::routes() {
  static const std::vector<Route> table = {
      // method  pattern                                   handler
      {"POST", "/mobiles",                                 &Api::post_mobiles},
      {"GET",  "/readmails",                               &Api::get_readmails},
      {"GET",  "/readmails/unread-count",                  &Api::get_unread_count},
      {"GET",  "/readmails/{id}",                          &Api::get_readmail},
      {"POST", "/readmails/{id}/read",                     &Api::post_mark_read},
      {"GET",  "/alarms",                                  &Api::get_alarms},
      {"GET",  "/alarmLists",                              &Api::get_alarms},
      {"GET",  "/alarms/dead-letters",                     &Api::get_dead_letters},
      {"POST", "/alarms/dead-letters/{alarmId}/redrive",   &Api::post_redrive},
      {"GET",  "/events",                                  &Api::get_events},
      {"GET",  "/events/live",                             &Api::get_live},
      {"GET",  "/streams/{name...}",                       &Api::get_stream},
      {"POST", "/admin/rebuild",                           &Api::post_rebuild},
      {"GET",  "/healthz",                                 &Api::get_health},
      {"GET",  "/readyz",                                  &Api::get_ready},
      {"GET",  "/metrics",                                 &Api::get_metrics},
  };
  return table;
}

void Api::handle(HttpRequest req, Respond respond) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  const Route* route = nullptr;
  PathParams params;
  std::string allow;  // methods of the routes whose pattern matches, for a 405
  for (const auto& r : routes()) {
    auto matched = match_path(r.pattern, req.path);
    if (!matched) continue;
    if (r.method == req.method) {
      route = &r;
      params = std::move(*matched);
      break;
    }
    if (allow.find(r.method) == std::string::npos) allow += (allow.empty() ? "" : ", ") + std::string(r.method);
  }
  // Counted once, under the route's pattern (or "other": labels come from the table).
  std::string name = route ? std::string(route->method) + " " + std::string(route->pattern) : "other";
  Answer answer = [this, name = std::move(name), started, respond = std::move(respond)](Reply reply) {
    HttpResponse http = to_http(std::move(reply));
    metrics_.record_request(name, http.status, std::chrono::duration<double>(Clock::now() - started).count());
    respond(std::move(http));
  };
  if (route) return (this->*route->handler)(Call{req, params, route->pattern}, std::move(answer));
  if (allow.empty()) return answer(std::unexpected(problem("not_found", "no resource at " + req.path)));
  Problem p = problem("method_not_allowed", req.method + " is not allowed on " + req.path + "; use " + allow);
  p.headers.emplace_back("Allow", allow);
  answer(std::unexpected(std::move(p)));
}

}  // namespace mailbox::server
