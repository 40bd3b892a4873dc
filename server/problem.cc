#include "server/problem.h"

#include "app/json_writer.h"

namespace mailbox::server {

using eventstore::Code;

int http_status(Code code) {
  switch (code) {
    case Code::invalid_argument: return 422;
    case Code::not_found: return 404;
    case Code::permission_denied: return 403;
    case Code::aborted: return 409;
    case Code::failed_precondition: return 409;
    case Code::resource_exhausted: return 402;
    case Code::unavailable: return 503;
    case Code::corruption: return 500;
    case Code::internal: return 500;
  }
  return 500;
}

namespace {

struct Kind {
  const char* slug;
  const char* title;
};

Kind kind_of(int status) {
  switch (status) {
    case 400: return {"bad-request", "The request is malformed"};
    case 402: return {"payment-declined", "Payment was declined"};
    case 403: return {"forbidden", "Not allowed"};
    case 404: return {"not-found", "Not found"};
    case 405: return {"method-not-allowed", "Method not allowed"};
    case 409: return {"conflict", "Conflict"};
    case 413: return {"payload-too-large", "The request body is too large"};
    case 415: return {"unsupported-media-type", "The request body must be JSON"};
    case 422: return {"invalid-field", "A field has an invalid value"};
    case 429: return {"too-many-requests", "Too many requests"};
    case 431: return {"headers-too-large", "The request headers are too large"};
    case 503: return {"unavailable", "Service unavailable"};
    default: return {"internal", "Internal error"};
  }
}

}  // namespace

HttpResponse problem(int status, std::string_view detail, std::string_view field) {
  const Kind kind = kind_of(status);
  app::JsonWriter w;
  w.begin_object();
  w.field("type", std::string("/problems/") + kind.slug);
  w.field("title", kind.title);
  w.field("status", static_cast<std::int64_t>(status));
  w.field("detail", detail);
  if (!field.empty()) w.field("field", field);
  w.end_object();
  HttpResponse r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = w.take();
  if (status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

HttpResponse problem(const eventstore::Error& error) { return problem(http_status(error.code), error.message, error.field); }

}  // namespace mailbox::server
