// The API document (docs/openapi.json, served at GET /openapi.json) against the router:
// the same routes, each with the security its rule asks for, and the same problem codes.
// tests/openapi/ checks it as OpenAPI 3.1 and real answers against its schemas.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>

#include "server/api.h"
#include "server/openapi_document.h"
#include "tests/support/http_client.h"
#include "tests/support/test_server.h"

using namespace mailbox;
using server::Api;
using server::Rule;
using testing::http_call;

namespace {

constexpr std::string_view kMethods[] = {"get", "put", "post", "delete", "options", "head", "patch", "trace"};

simdjson::dom::element parse_document(simdjson::dom::parser& parser) {
  simdjson::dom::element doc;
  REQUIRE(parser.parse(server::openapi_document()).get(doc) == simdjson::SUCCESS);
  return doc;
}

// The document's path for a route's pattern: "{name...}" (the rest of the path) is an
// ordinary path parameter there.
std::string document_path(std::string_view pattern) {
  std::string path(pattern);
  for (auto at = path.find("...}"); at != std::string::npos; at = path.find("...}")) path.erase(at, 3);
  return path;
}

std::string lower(std::string_view s) {
  std::string out;
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

// "path method" for every route of the router, in the document's spelling.
std::set<std::string> router_operations() {
  std::set<std::string> ops;
  for (const auto& r : Api::routes()) ops.insert(document_path(r.pattern) + " " + lower(r.method));
  return ops;
}

std::set<std::string> document_operations(simdjson::dom::element doc) {
  std::set<std::string> ops;
  simdjson::dom::object paths;
  REQUIRE(doc["paths"].get(paths) == simdjson::SUCCESS);
  for (auto [path, item] : paths)
    for (auto method : kMethods)
      if (item[method].error() == simdjson::SUCCESS) ops.insert(std::string(path) + " " + std::string(method));
  return ops;
}

// The items of `of` that `in` lacks.
std::set<std::string> missing_from(const std::set<std::string>& in, const std::set<std::string>& of) {
  std::set<std::string> missing;
  for (const auto& item : of)
    if (!in.contains(item)) missing.insert(item);
  return missing;
}

std::string joined(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += "\n  " + i;
  return out;
}

// The security requirement a rule asks for, as JSON: none, the bearer scheme, or the
// bearer scheme with the mailbox:admin scope.
std::string security_of(Rule rule) {
  switch (rule) {
    case Rule::open: return "[]";
    case Rule::admin_scope: return R"([{"bearer":["mailbox:admin"]}])";
    default: return R"([{"bearer":[]}])";
  }
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Refuses every token: a server with keys, for the routes that need none.
class RefuseAll : public server::Authenticator {
 public:
  std::expected<server::Identity, std::string> verify(std::string_view) const override {
    return std::unexpected(std::string("no token is good here"));
  }
};

}  // namespace

TEST_CASE("every route of the router is in the API document with its method, and the document names none the router lacks") {
  simdjson::dom::parser parser;
  const auto documented = document_operations(parse_document(parser));
  const auto routed = router_operations();
  const auto undocumented = missing_from(documented, routed);
  const auto unrouted = missing_from(routed, documented);
  CHECK_MESSAGE(undocumented.empty(), "routes missing from docs/openapi.json:" << joined(undocumented));
  CHECK_MESSAGE(unrouted.empty(), "operations in docs/openapi.json the router does not have:" << joined(unrouted));
}

TEST_CASE("each operation's security in the API document is its route's rule: none when open, the bearer scheme, with mailbox:admin for admin_scope") {
  simdjson::dom::parser parser;
  const auto doc = parse_document(parser);
  CHECK_MESSAGE(doc["security"].error() == simdjson::NO_SUCH_FIELD, "no document-wide default: each operation says");
  for (const auto& r : Api::routes()) {
    const std::string path = document_path(r.pattern);
    CAPTURE(path);
    CAPTURE(r.method);
    auto op = doc["paths"][path][lower(r.method)];
    if (op.error()) continue;  // reported by the test above
    simdjson::dom::array security;
    REQUIRE_MESSAGE(op["security"].get(security) == simdjson::SUCCESS, "the operation states its security");
    CHECK(simdjson::minify(security) == security_of(r.rule));
    std::string_view rule;
    REQUIRE(op["x-access-rule"].get(rule) == simdjson::SUCCESS);
    CHECK(rule == server::rule_name(r.rule));
  }
  std::string_view scheme;
  REQUIRE(doc.at_pointer("/components/securitySchemes/bearer/scheme").get(scheme) == simdjson::SUCCESS);
  CHECK(scheme == "bearer");
}

TEST_CASE("the API document's problem codes are the server's, and each documented rule is one a 403 can name") {
  simdjson::dom::parser parser;
  const auto doc = parse_document(parser);
  simdjson::dom::array codes, rules;
  REQUIRE(doc.at_pointer("/components/schemas/Problem/properties/code/enum").get(codes) == simdjson::SUCCESS);
  REQUIRE(doc.at_pointer("/components/schemas/Problem/properties/rule/enum").get(rules) == simdjson::SUCCESS);
  std::set<std::string> documented, served, documented_rules;
  for (auto code : codes) documented.insert(std::string(code.get_string().value()));
  for (const auto& c : server::problem_codes()) served.insert(std::string(c.code));
  CHECK_MESSAGE(documented == served, "only in docs/openapi.json:" << joined(missing_from(served, documented))
                                          << "\nonly in server/reply.cc:" << joined(missing_from(documented, served)));
  for (auto rule : rules) documented_rules.insert(std::string(rule.get_string().value()));
  for (const auto& r : Api::routes())
    if (r.rule != Rule::open) CHECK(documented_rules.contains(std::string(server::rule_name(r.rule))));
}

TEST_CASE("GET /openapi.json serves docs/openapi.json byte for byte, without a token even when keys are set") {
  RefuseAll keys;
  server::ApiOptions options;
  options.authenticator = &keys;
  testing::TestServer s({}, nullptr, nullptr, nullptr, options);
  auto served = http_call(s.port(), "GET", "/openapi.json");
  REQUIRE(served.status == 200);
  CHECK(served.header("content-type") == "application/json");
  const std::string reviewed = read_file(OPENAPI_DOCUMENT_PATH);
  const bool same = served.body == reviewed;  // not printed whole when they differ
  CHECK_MESSAGE(same, "served " << served.body.size() << " bytes, docs/openapi.json has " << reviewed.size());
  CHECK(http_call(s.port(), "GET", "/readmails").status == 401);  // the keys are on
}
