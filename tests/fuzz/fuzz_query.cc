// A request target (path and query string) through everything that reads one: the
// percent-decoding split into path and parameters, each route's path parameters, the
// integer parameters with their bounds (limit, from, min_position, wait_ms, ...), the
// page cursors, and the Last-Event-ID header. Problems answered must be well formed, and
// every decoded value must come back from url_encode unchanged.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/queries/page.h"
#include "server/api.h"
#include "server/request_params.h"
#include "server/router.h"
#include "server/url.h"
#include "tests/fuzz/fuzz_check.h"

using namespace mailbox;
using namespace mailbox::server;
using namespace std::chrono_literals;

namespace {

void answer(const Problem& p) { fuzz::check_response(to_http(std::unexpected(p)), "problem"); }

template <class T>
void read(const std::expected<T, Problem>& value) {
  if (!value) answer(value.error());
}

void round_trip(std::string_view decoded) {
  std::string back;
  fuzz::check(url_decode(url_encode(decoded), false, back) && back == decoded, "url_encode does not round-trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  HttpRequest req;
  req.method = "GET";
  req.target.assign(reinterpret_cast<const char*>(data), size);
  if (!split_target(req)) return 0;  // a 400 bad_request, as the transport answers
  round_trip(req.path);
  for (const auto& [name, value] : req.query) {
    round_trip(name);
    round_trip(value);
  }

  for (const auto& route : Api::routes()) {
    auto params = match_path(route.pattern, req.path);
    if (!params) continue;
    for (std::string_view name : {"id", "alarmId", "name"}) round_trip(params->get(name));
  }

  // The parameters as the query routes read them (query_routes.cc, log_routes.cc).
  read(uint_param(req, "limit", 20, 1, queries::kMaxPageSize));
  read(uint_param(req, "limit", 100, 1, 1000));
  read(uint_param(req, "from", 1, 0, (std::uint64_t{1} << 63) - 1));
  read(uint_param(req, "from_version", 1));
  read(freshness_params(req, 1000ms, 10000ms));
  read(required_param(req, "receiver"));
  read(required_param(req, "messageId"));
  HttpRequest last_event;  // Last-Event-ID is read as a parameter of its own
  last_event.query.emplace("Last-Event-ID", req.param("Last-Event-ID").value_or(""));
  read(uint_param(last_event, "Last-Event-ID", 0, 0, (std::uint64_t{1} << 63) - 1));

  const std::string_view cursor = req.param("cursor").value_or("");
  auto limit = uint_param(req, "limit", 20);
  auto after = queries::check_page_request(limit ? static_cast<std::size_t>(*limit) : 20, cursor);
  if (after) {
    fuzz::check(cursor.empty() == (*after == 0), "a cursor read as the first page, or none as a later one");
    fuzz::check(queries::index_key("r/", *after).size() == 10, "an index key of the wrong size");
  } else {
    answer(problem_of(after.error()));
  }
  return 0;
}
