#pragma once
// Reading JSON request bodies (simdjson): an object whose named fields must be strings.

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "server/http_types.h"

namespace mailbox::server {

using StringFields = std::map<std::string, std::string, std::less<>>;

// Parses body as one JSON object and returns the string values of the named fields
// that are present (other fields are ignored). On failure returns the 400 answer:
// malformed JSON, not an object, trailing content, or a named field that is not a
// string (the problem names it). Thread-safe.
std::variant<StringFields, HttpResponse> read_string_fields(const std::string& body,
                                                            const std::vector<std::string_view>& names);

}  // namespace mailbox::server
