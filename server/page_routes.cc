// The web inbox's routes: its files (GET / and GET /<file>) and who the caller is
// (GET /whoami), which the page asks to choose its sign-in.
#include "app/json_writer.h"
#include "server/api.h"

namespace mailbox::server {

namespace {

// The page runs its own files only: no inline script or style, no other origin, no
// framing by another site.
constexpr std::string_view kPagePolicy =
    "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

}  // namespace

void Api::get_page(const Call& call, Answer answer) { serve_file(call.req, "index.html", std::move(answer)); }

void Api::get_asset(const Call& call, Answer answer) {
  serve_file(call.req, call.params.get("asset"), std::move(answer));
}

void Api::serve_file(const HttpRequest& req, std::string_view name, Answer answer) {
  auto file = web_.find(name);
  if (!file) return answer(std::unexpected(problem("not_found", "no resource at " + req.path)));
  Resource r{Resource::Kind::ok, {}, file->content_type, {}, nullptr};
  r.headers = {{"Content-Security-Policy", std::string(kPagePolicy)},
               {"X-Content-Type-Options", "nosniff"},
               {"Referrer-Policy", "no-referrer"},
               {"ETag", file->etag},
               {"Cache-Control", "no-cache"}};
  // A copy the browser holds is still good: no body (If-None-Match may list several).
  if (auto held = req.header("if-none-match"); held && (held->find(file->etag) != std::string_view::npos || *held == "*"))
    r.kind = Resource::Kind::not_modified;
  else
    r.body = std::move(file->bytes);
  answer(std::move(r));
}

void Api::get_whoami(const Call& call, Answer answer) {
  app::JsonWriter w;
  w.begin_object();
  if (!call.caller.authenticated) {
    w.field("mode", "open");
  } else {
    w.field("mode", "token").field("phone", call.caller.subject).key("scopes").begin_array();
    for (const auto& s : call.caller.scopes) w.string(s);
    w.end_array();
  }
  w.end_object();
  answer(Resource{Resource::Kind::ok, w.take(), "application/json", {}, nullptr});
}

}  // namespace mailbox::server
