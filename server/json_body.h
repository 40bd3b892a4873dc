#pragma once
// Reading JSON request bodies (simdjson): an object whose named fields must be strings.

#include <expected>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/http_types.h"
#include "server/reply.h"

namespace mailbox::server {

using StringFields = std::map<std::string, std::string, std::less<>>;

// Whether the request says its body is JSON (application/json or application/*+json).
bool is_json(const HttpRequest& req);

// Parses body as one JSON object and returns the string values of the named fields
// that are present (other fields are ignored, but must be valid JSON too). Problems
// (malformed_body, 400): not JSON, not an object, trailing content, or a named field
// that is not a string (the problem names it). Thread-safe.
std::expected<StringFields, Problem> read_string_fields(const std::string& body,
                                                        const std::vector<std::string_view>& names);

// The body's string fields as above, after checking that the body is JSON (415
// unsupported_media_type otherwise), and that each required one is there (422
// missing_field).
std::expected<StringFields, Problem> read_json_body(const HttpRequest& req,
                                                    const std::vector<std::string_view>& required,
                                                    const std::vector<std::string_view>& optional = {});

}  // namespace mailbox::server
