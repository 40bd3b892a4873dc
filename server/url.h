#pragma once
// Percent-encoding of request targets and links (RFC 3986).

#include <string>
#include <string_view>

#include "server/http_types.h"

namespace mailbox::server {

// Percent-decodes in into out; with plus_is_space, '+' is a space (query strings).
// False on a broken escape.
bool url_decode(std::string_view in, bool plus_is_space, std::string& out);

// Fills req.path and req.query from req.target. False when it cannot be decoded.
bool split_target(HttpRequest& req);

// Percent-encodes a path segment or query value: everything but unreserved characters.
std::string url_encode(std::string_view value);

}  // namespace mailbox::server
