#pragma once
// The API's OpenAPI 3.1 document, served at GET /openapi.json: the bytes of
// docs/openapi.json as they were at build time (server/embed_file.cmake writes them
// into the binary), so the served copy is the reviewed one. tests/server/openapi_test.cc
// keeps it true to the route table.

#include <string_view>

namespace mailbox::server {

// The document, JSON. Static storage: valid for the life of the process, from any thread.
std::string_view openapi_document();

}  // namespace mailbox::server
