#pragma once
// What a route's handler answers: a resource, or a problem (RFC 9457). Handlers never
// pick HTTP statuses: reply.cc maps a resource's kind and a problem's code to the
// status, in one place, and problem_codes() is the one list of problem codes (the
// README's table, and /readyz's codes, are this list).

#include <functional>
#include <memory>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/status.h"
#include "server/http_types.h"

namespace mailbox::server {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Resource {
  // not_ready: a status document saying the server cannot serve now (GET /readyz).
  // not_modified: the client's copy is current (If-None-Match); no body.
  enum class Kind { ok, created, accepted, no_content, not_modified, not_ready };
  Kind kind = Kind::ok;
  std::string body;  // JSON unless content_type says otherwise
  std::string content_type = "application/json";
  Headers headers;
  std::shared_ptr<ChunkStream> stream;  // set: the body is this stream (Server-Sent Events)
};

struct Problem {
  std::string code;    // snake_case, one of problem_codes()
  std::string detail;  // for people
  std::string field;   // the body field or parameter to blame, if one is
  std::string rule;    // the access rule that refused, if one did
  Headers headers;     // e.g. Allow for method_not_allowed
  Headers members;     // more string members of the body, e.g. read_replica's writer
};

using Reply = std::expected<Resource, Problem>;
// Hands a reply back; runs exactly once, from any thread.
using Answer = std::function<void(Reply)>;

struct ProblemCode {
  std::string_view code;
  int status;
  std::string_view title;
};
// Every problem code, with its status and title.
const std::vector<ProblemCode>& problem_codes();

Problem problem(std::string code, std::string detail, std::string field = {});

// Where an app error's field comes from in the API: its name there, and whether it is
// a body field (invalid: 422) or a query or path parameter (invalid: 400).
struct ApiField {
  std::string_view app;  // the command's or query's name, e.g. "sender"
  std::string_view api;  // the API's, e.g. "user"
  bool in_body = true;
};
// The problem for an app error: its reason as the code, or one derived from its
// category; its field renamed as `fields` says, and a parameter's error made a 400.
Problem problem_of(const app::Error& error, std::span<const ApiField> fields = {});

// The HTTP response for a reply: status, headers, JSON or problem+json body.
HttpResponse to_http(Reply reply);

}  // namespace mailbox::server
