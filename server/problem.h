#pragma once
// Error answers as application/problem+json (RFC 9457), and the one mapping from the
// engine's error codes to HTTP statuses.

#include <string>
#include <string_view>

#include "core/eventstore/status.h"
#include "server/http_types.h"

namespace mailbox::server {

// The HTTP status for an error code. invalid_argument is 422 (a well-formed request
// with an invalid value); the parser's 400s do not come through here.
int http_status(eventstore::Code code);

// {"type", "title", "status", "detail", "field"?}; field is left out when empty.
HttpResponse problem(int status, std::string_view detail, std::string_view field = {});
// The problem for an engine error, with its status from http_status.
HttpResponse problem(const eventstore::Error& error);

}  // namespace mailbox::server
