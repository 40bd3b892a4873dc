#include "server/reply.h"

#include "app/json_writer.h"

namespace mailbox::server {

const std::vector<ProblemCode>& problem_codes() {
  static const std::vector<ProblemCode> codes = {
      {"bad_request", 400, "The request is not valid HTTP"},
      {"malformed_body", 400, "The body is not the JSON this route takes"},
      {"invalid_parameter", 400, "A query or path parameter is missing or malformed"},
      {"unauthorized", 401, "A valid bearer token is needed"},
      {"payment_declined", 402, "Payment was declined"},
      {"forbidden", 403, "Not allowed for this caller"},
      {"host_not_allowed", 403, "The Host header names a host this server does not answer for"},
      {"origin_not_allowed", 403, "Requests from this origin may not change anything here"},
      {"not_receiver", 403, "Only the message's receiver may do this"},
      {"not_found", 404, "Not found"},
      {"method_not_allowed", 405, "Method not allowed"},
      {"read_replica", 421, "This is a read replica: send changes to the writer"},
      {"conflict", 409, "Conflict with the current state"},
      {"not_delivered", 409, "The message is not in the mailbox yet"},
      {"redrive_pending", 409, "A redrive of this alarm is already pending"},
      {"rebuild_running", 409, "A rebuild is already running"},
      {"backup_running", 409, "A backup is already running"},
      {"not_a_replica", 409, "Only a read replica can be promoted"},
      {"not_caught_up", 409, "The replica's log does not end where the stream does yet"},
      {"promotion_running", 409, "A promotion is already running"},
      {"payload_too_large", 413, "The request body is too large"},
      {"unsupported_media_type", 415, "The request body must be JSON"},
      {"missing_field", 422, "A required field is missing"},
      {"invalid_field", 422, "A field has an invalid value"},
      {"invalid_phone", 422, "A phone number is invalid"},
      {"invalid_text", 422, "The message text is invalid"},
      {"invalid_idempotency_key", 422, "The Idempotency-Key is invalid"},
      {"idempotency_key_reused", 422, "The Idempotency-Key was used with another message"},
      {"rate_limited", 429, "Too many sends; wait and try again"},
      {"headers_too_large", 431, "The request headers are too large"},
      {"internal", 500, "Internal error"},
      {"unavailable", 503, "Service unavailable; try again"},
      {"payment_unavailable", 503, "The payment service is unavailable; try again"},
      {"overloaded", 503, "Too busy; try again"},
      {"outcome_unknown", 503, "Replication did not confirm the write in time: it may still complete"},
      {"shutting_down", 503, "The server is shutting down"},
      {"starting", 503, "The server is catching up with its log"},
      {"storage_failed", 503, "The log cannot be written"},
      {"disk_full", 507, "The disk is full; try again once there is room"},
      {"policy_failed", 503, "A policy is stuck"},
      {"view_failed", 503, "A view is stuck"},
      {"replica_behind", 503, "The read replica is catching up with the stream"},
      {"replica_failed", 503, "The read replica cannot follow the stream"},
      {"fenced", 503, "Another writer has taken over the replication stream: this one takes no sends"},
  };
  return codes;
}

namespace {

const ProblemCode& lookup(std::string_view code) {
  for (const auto& c : problem_codes())
    if (c.code == code) return c;
  static const ProblemCode internal{"internal", 500, "Internal error"};
  return internal;
}

// The code an error gets when it has no reason of its own.
std::string_view code_for(app::Code code) {
  switch (code) {
    case app::Code::invalid_argument: return "invalid_field";
    case app::Code::not_found: return "not_found";
    case app::Code::already_exists: return "conflict";
    case app::Code::permission_denied: return "not_receiver";
    case app::Code::failed_precondition: return "conflict";
    case app::Code::resource_exhausted: return "overloaded";
    case app::Code::aborted: return "conflict";
    case app::Code::unavailable: return "unavailable";
    case app::Code::corruption: return "internal";
    case app::Code::internal: return "internal";
  }
  return "internal";
}

int status_of(Resource::Kind kind) {
  switch (kind) {
    case Resource::Kind::ok: return 200;
    case Resource::Kind::created: return 201;
    case Resource::Kind::accepted: return 202;
    case Resource::Kind::no_content: return 204;
    case Resource::Kind::not_modified: return 304;
    case Resource::Kind::not_ready: return 503;
  }
  return 200;
}

}  // namespace

Problem problem(std::string code, std::string detail, std::string field) {
  return Problem{std::move(code), std::move(detail), std::move(field), {}, {}, {}};
}

Problem problem_of(const app::Error& error, std::span<const ApiField> fields) {
  Problem p;
  // The reason when it is a code of the table; otherwise the category's code.
  p.code = std::string(code_for(error.code));
  for (const auto& c : problem_codes())
    if (!error.reason.empty() && c.code == error.reason) p.code = error.reason;
  p.field = error.field;
  for (const auto& f : fields)
    if (f.app == error.field) {
      p.field = std::string(f.api);
      if (!f.in_body && error.code == app::Code::invalid_argument) p.code = "invalid_parameter";
    }
  p.detail = p.field.empty() ? error.message : p.field + ": " + error.message;
  return p;
}

HttpResponse to_http(Reply reply) {
  HttpResponse r;
  if (reply) {
    r.status = status_of(reply->kind);
    r.body = std::move(reply->body);
    r.content_type = std::move(reply->content_type);
    r.headers = std::move(reply->headers);
    r.stream = std::move(reply->stream);
    if (r.status == 503) r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  Problem& p = reply.error();
  const ProblemCode& known = lookup(p.code);
  app::JsonWriter w;
  w.begin_object();
  w.field("type", "/problems/" + std::string(known.code));
  w.field("title", known.title);
  w.field("status", static_cast<std::int64_t>(known.status));
  w.field("code", known.code);
  w.field("detail", p.detail);
  if (!p.field.empty()) w.field("field", p.field);
  if (!p.rule.empty()) w.field("rule", p.rule);
  for (const auto& [name, value] : p.members) w.field(name, value);
  w.end_object();
  r.status = known.status;
  r.content_type = "application/problem+json";
  r.body = w.take();
  r.headers = std::move(p.headers);
  if (known.status == 503) r.headers.emplace_back("Retry-After", "1");
  // The writer looks for room again every second; an operator frees it in minutes.
  if (known.status == 507) r.headers.emplace_back("Retry-After", "5");
  return r;
}

}  // namespace mailbox::server
