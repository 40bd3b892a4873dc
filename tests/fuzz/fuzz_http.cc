// An HTTP request as bytes, through what mailboxd does with it before a handler runs:
// the transport's reading within its limits (pipelined requests too), the Host and
// Origin checks and CORS headers, the client's address behind trusted proxies, and the
// route table. The handlers are replaced by a record of what they would be given, so a
// run costs microseconds. Every answer the server would send must be well formed.
#include <cstdint>
#include <string>
#include <string_view>

#include "server/api.h"
#include "server/client_address.h"
#include "server/http_server.h"
#include "server/origin_policy.h"
#include "tests/fuzz/fuzz_check.h"

using namespace mailbox;
using namespace mailbox::server;

namespace {

// What a handler would be given.
struct Recorded {
  std::string_view pattern;
  std::string client;
  std::size_t query_parameters = 0;
  std::size_t body_bytes = 0;
};

void answer(const Problem& p, std::string_view what) { fuzz::check_response(to_http(std::unexpected(p)), what); }

Recorded route(const HttpRequest& req) {
  // mailboxd's policies with keys (public hosts, CORS) and without (loopback only).
  static const OriginPolicy open_mode{true, {}, "", {}};
  static const OriginPolicy with_keys{false, {"mail.example", "localhost"}, "", {"https://app.example"}};
  static const std::vector<Cidr> trusted = *parse_cidrs("10.0.0.0/8,::1");

  for (const OriginPolicy* policy : {&open_mode, &with_keys}) {
    if (auto bad_host = check_host(*policy, req)) answer(*bad_host, "host_not_allowed");
    if (auto bad_origin = check_origin(*policy, req)) answer(*bad_origin, "origin_not_allowed");
    for (const auto& [name, value] : cors_headers(*policy, req))
      fuzz::check(value.find_first_of("\r\n") == std::string::npos, "a CORS header holds a line break");
  }
  Recorded r;
  r.client = client_address(req.peer, req.header("x-forwarded-for"), trusted);
  const Api::Match m = Api::match(req.method, req.path);
  if (!m.route) {
    answer(Api::unrouted(req, m), "404 or 405");
    return r;
  }
  fuzz::check(m.route->method == req.method, "a route of another method was taken");
  // Each {name} matched one non-empty segment.
  for (std::string_view name : {"id", "alarmId"}) {
    const std::string_view value = m.params.get(name);
    if (m.route->pattern.find("{" + std::string(name) + "}") != std::string_view::npos)
      fuzz::check(!value.empty() && value.find('/') == std::string_view::npos, "a path parameter is not one segment");
  }
  r.pattern = m.route->pattern;
  r.query_parameters = req.query.size();
  r.body_bytes = req.body.size();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const ServerOptions options;  // mailboxd's limits: 64 KiB bodies, 8 KiB headers
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // One connection: requests as long as it is kept alive, from a trusted proxy or not.
  for (int i = 0; i < 16 && !bytes.empty(); ++i) {
    const ReadRequest read = read_request(bytes, options, i % 2 == 0 ? "10.0.0.1" : "192.0.2.7");
    if (read.refusal) {
      fuzz::check(!read.request, "both a request and a refusal");
      fuzz::check_response(*read.refusal, "refusal");
      break;
    }
    if (!read.request) break;
    fuzz::check(read.consumed > 0 && read.consumed <= bytes.size(), "a request read took no bytes, or too many");
    fuzz::check(read.request->body.size() <= options.max_body_bytes, "a body over the limit was read");
    const Recorded recorded = route(*read.request);
    fuzz::check(!recorded.client.empty() || read.request->peer.empty(), "no client address");
    if (!read.keep_alive) break;
    bytes.remove_prefix(read.consumed);
  }
  return 0;
}
