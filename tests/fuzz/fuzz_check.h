#pragma once
// What the fuzz targets check beyond "no crash, no sanitizer report": a broken
// expectation prints what broke and aborts, which libFuzzer reports as a crash (with
// the input saved) and the replay test as a failure.

#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "server/http_types.h"

namespace mailbox::fuzz {

[[noreturn]] inline void fail(std::string_view what) {
  std::fprintf(stderr, "fuzz check failed: %.*s\n", static_cast<int>(what.size()), what.data());
  std::abort();
}

inline void check(bool ok, std::string_view what) {
  if (!ok) fail(what);
}

// text must be one valid JSON document (UTF-8 included), as every client parses it.
inline void check_json(std::string_view text, std::string_view what) {
  thread_local simdjson::dom::parser parser;
  const simdjson::padded_string padded(text);
  simdjson::dom::element doc;
  if (parser.parse(padded).get(doc) != simdjson::SUCCESS) fail(std::string(what) + " is not valid JSON: " + std::string(text));
}

// What the server sends back: a real status, header lines that cannot be split, and a
// JSON body when it says it is JSON.
inline void check_response(const server::HttpResponse& r, std::string_view what) {
  check(r.status >= 100 && r.status <= 599, std::string(what) + ": status out of range");
  for (const auto& [name, value] : r.headers)
    check(name.find_first_of("\r\n:") == std::string::npos && value.find_first_of("\r\n") == std::string::npos,
          std::string(what) + ": a header holds a line break: " + name + ": " + value);
  if (r.content_type == "application/json" || r.content_type == "application/problem+json")
    check_json(r.body, std::string(what) + " body");
}

}  // namespace mailbox::fuzz
