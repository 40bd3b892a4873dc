// The route table: every route of the API with its method and handler, and the
// dispatch that answers 404 and 405 from it.
#include <algorithm>
#include <cctype>
#include <chrono>

#include "server/api.h"

namespace mailbox::server {

namespace {
constexpr std::string_view kAssetPattern = "/{asset}";
}  // namespace

const std::vector<Api::Route>& Api::routes() {
  static const std::vector<Route> table = {
      // method  pattern                                   handler                  rule  (appends)
      {"POST", "/mobiles",                                 &Api::post_mobiles,      Rule::self_only, Writes::log},
      {"GET",  "/readmails",                               &Api::get_readmails,     Rule::own_mailbox},
      {"GET",  "/readmails/unread-count",                  &Api::get_unread_count,  Rule::self_only},
      {"GET",  "/readmails/live",                          &Api::get_readmails_live, Rule::own_mailbox},
      {"GET",  "/readmails/{id}",                          &Api::get_readmail,      Rule::participant},
      {"POST", "/readmails/{id}/read",                     &Api::post_mark_read,    Rule::self_only, Writes::log},
      {"GET",  "/sentmails",                               &Api::get_sentmails,     Rule::self_only},
      {"GET",  "/alarms",                                  &Api::get_alarms,        Rule::self_only},
      {"GET",  "/alarmLists",                              &Api::get_alarms,        Rule::self_only},
      {"GET",  "/alarms/dead-letters",                     &Api::get_dead_letters,  Rule::admin_scope},
      {"POST", "/alarms/dead-letters/{alarmId}/redrive",   &Api::post_redrive,      Rule::admin_scope, Writes::log},
      {"GET",  "/events",                                  &Api::get_events,        Rule::admin_scope},
      {"GET",  "/events/live",                             &Api::get_live,          Rule::admin_scope},
      {"GET",  "/streams/{name...}",                       &Api::get_stream,        Rule::admin_scope},
      {"POST", "/admin/rebuild",                           &Api::post_rebuild,      Rule::admin_scope},
      {"POST", "/admin/backup",                            &Api::post_backup,       Rule::admin_scope},
      {"POST", "/admin/promote",                           &Api::post_promote,      Rule::admin_scope},
      {"GET",  "/healthz",                                 &Api::get_health,        Rule::open},
      {"GET",  "/readyz",                                  &Api::get_ready,         Rule::open},
      {"GET",  "/metrics",                                 &Api::get_metrics,       Rule::admin_scope},
      {"GET",  "/openapi.json",                            &Api::get_openapi,       Rule::open},
      {"GET",  "/whoami",                                  &Api::get_whoami,        Rule::self_only},
      // The web page: index.html, then its other files. Last: a path another route has
      // is never a file.
      {"GET",  "/",                                        &Api::get_page,          Rule::open},
      {"GET",  kAssetPattern,                              &Api::get_asset,         Rule::open},
  };
  return table;
}

Api::Match Api::match(std::string_view method, std::string_view path) {
  Match m;
  for (const auto& r : routes()) {
    if (r.pattern == kAssetPattern && !m.allow.empty()) break;  // another route has the path
    auto matched = match_path(r.pattern, path);
    if (!matched) continue;
    if (r.method == method) {
      m.route = &r;
      m.params = std::move(*matched);
      break;
    }
    if (m.allow.find(r.method) == std::string::npos) m.allow += (m.allow.empty() ? "" : ", ") + std::string(r.method);
  }
  return m;
}

Problem Api::unrouted(const HttpRequest& req, const Match& match) {
  if (match.allow.empty()) return problem("not_found", "no resource at " + req.path);
  Problem p = problem("method_not_allowed", req.method + " is not allowed on " + req.path + "; use " + match.allow);
  p.headers.emplace_back("Allow", match.allow);
  return p;
}

void Api::handle(HttpRequest req, Respond respond) {
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  Match matched = match(req.method, req.path);
  const Route* route = matched.route;
  // A CORS preflight for a route's path: answered here, for the origins named for CORS.
  const bool preflight = !route && req.method == "OPTIONS" && !matched.allow.empty();
  // Counted once, under the route's pattern (or "other": labels come from the table).
  std::string name = route ? std::string(route->method) + " " + std::string(route->pattern) : "other";
  Answer answer = [this, name = std::move(name), started, cors = cors_headers(options_.origins, req),
                   respond = std::move(respond)](Reply reply) {
    HttpResponse http = to_http(std::move(reply));
    http.headers.insert(http.headers.end(), cors.begin(), cors.end());
    metrics_.record_request(name, http.status, std::chrono::duration<double>(Clock::now() - started).count());
    respond(std::move(http));
  };
  if (auto bad_host = check_host(options_.origins, req)) return answer(std::unexpected(std::move(*bad_host)));
  if (preflight) {
    if (cors_headers(options_.origins, req).empty())
      return answer(std::unexpected(problem("origin_not_allowed", "no CORS for this origin")));
    return answer(Resource{Resource::Kind::no_content, {}, "application/json", {}, nullptr});
  }
  if (route) {
    // A state-changing request from another site's page is refused.
    if (route->method == "POST")
      if (auto bad_origin = check_origin(options_.origins, req)) return answer(std::unexpected(std::move(*bad_origin)));
    auto caller = identify(req, route->rule);
    if (!caller) return answer(std::unexpected(std::move(caller.error())));
    if (route->writes == Writes::log && engine_.is_replica()) return answer(std::unexpected(read_replica_problem()));
    if (route->writes == Writes::log)
      if (auto fenced = engine_.fenced()) return answer(std::unexpected(problem_of(*fenced)));
    return (this->*route->handler)(Call{req, matched.params, route->pattern, route->rule, *caller}, std::move(answer));
  }
  answer(std::unexpected(unrouted(req, matched)));
}

Problem Api::read_replica_problem() const {
  const std::string writer = engine_.writer_url();
  Problem p = problem("read_replica", writer.empty() ? "this is a read replica; send this to the writer"
                                                     : "this is a read replica; send this to the writer at " + writer);
  p.members.emplace_back("writer", writer);
  return p;
}

std::expected<Caller, Problem> Api::identify(const HttpRequest& req, Rule rule) const {
  Caller caller;
  caller.address = client_address(req.peer, req.header("x-forwarded-for"), options_.trusted_proxies);
  // Open routes take no token (one sent along is ignored), and open mode has no keys.
  if (rule == Rule::open || options_.authenticator == nullptr) return caller;
  auto refuse = [](std::string why) {
    Problem p = problem("unauthorized", why);
    p.headers.emplace_back("WWW-Authenticate", "Bearer error=\"invalid_token\", error_description=\"" + why + "\"");
    return std::unexpected(std::move(p));
  };
  auto header = req.header("authorization");
  if (!header) return refuse("no bearer token");
  std::string_view value = *header;
  constexpr std::string_view kScheme = "Bearer ";
  if (value.size() <= kScheme.size() || !std::equal(kScheme.begin(), kScheme.end(), value.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
      }))
    return refuse("the Authorization header is not a bearer token");
  auto identity = options_.authenticator->verify(value.substr(kScheme.size()));
  if (!identity) return refuse(identity.error());
  caller.authenticated = true;
  caller.subject = std::move(identity->subject);
  caller.scopes = std::move(identity->scopes);
  caller.token_id = std::move(identity->token_id);
  if (rule == Rule::admin_scope && !caller.has_scope(kAdminScope))
    return std::unexpected(forbidden(rule, "this route needs the " + std::string(kAdminScope) + " scope"));
  return caller;
}

}  // namespace mailbox::server
