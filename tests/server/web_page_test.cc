// The web page's files: built into mailboxd from web/, or read from --web-dir at each
// request; with the page's security headers and validators; nothing but plain names of
// the folder, and never a path an API route has.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "server/config.h"
#include "server/web_assets.h"
#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/test_server.h"

using namespace mailbox;
using testing::http_call;
using testing::HttpReply;
using testing::TestServer;

namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void check_page_headers(const HttpReply& r, const std::string& what) {
  CAPTURE(what);
  CHECK(r.header("content-security-policy").starts_with("default-src 'self'"));
  CHECK(r.header("x-content-type-options") == "nosniff");
  CHECK(r.header("referrer-policy") == "no-referrer");
  CHECK(r.header("etag").starts_with("\""));
  CHECK(r.header("cache-control") == "no-cache");
}

}  // namespace

TEST_CASE("every file of web/ is built in and served at /<name> as it is in the repository, index.html at /") {
  TestServer s;
  std::size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(WEB_DIR)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with(".")) continue;
    ++files;
    auto r = http_call(s.port(), "GET", "/" + name);
    CHECK_MESSAGE(r.status == 200, name);
    CHECK_MESSAGE(r.body == read_file(entry.path()), name << " is served as it is in web/");
    check_page_headers(r, name);
  }
  CHECK(files == server::embedded_web_assets().size());
  auto page = http_call(s.port(), "GET", "/");
  REQUIRE(page.status == 200);
  CHECK(page.body == read_file(std::filesystem::path(WEB_DIR) / "index.html"));
  CHECK(page.header("content-type") == "text/html; charset=utf-8");
  check_page_headers(page, "/");
}

TEST_CASE("a copy the browser holds is revalidated: 304 without a body for its ETag, the file for another") {
  TestServer s;
  auto page = http_call(s.port(), "GET", "/");
  REQUIRE(page.status == 200);
  const std::string etag = page.header("etag");
  auto same = http_call(s.port(), "GET", "/", "", {{"If-None-Match", etag}});
  CHECK(same.status == 304);
  CHECK(same.body.empty());
  CHECK(same.header("etag") == etag);
  auto listed = http_call(s.port(), "GET", "/", "", {{"If-None-Match", "\"other\", " + etag}});
  CHECK(listed.status == 304);
  auto other = http_call(s.port(), "GET", "/", "", {{"If-None-Match", "\"other\""}});
  CHECK(other.status == 200);
  CHECK(other.body == page.body);
}

TEST_CASE("--web-dir serves the folder's files as they are at each request, and only plain names of it") {
  testing::TempDir web;
  std::filesystem::create_directories(web.sub("sub"));
  std::ofstream(web.sub("index.html")) << "<!doctype html><title>one</title>";
  std::ofstream(web.sub("app.js")) << "export const one = 1;";
  std::ofstream(web.sub(".env")) << "SECRET=1";
  std::ofstream(web.sub("sub/inner.js")) << "inner";
  server::ApiOptions options;
  options.web_dir = web.str();
  TestServer s({}, nullptr, nullptr, nullptr, options);

  auto js = http_call(s.port(), "GET", "/app.js");
  REQUIRE(js.status == 200);
  CHECK(js.body == "export const one = 1;");
  CHECK(js.header("content-type") == "text/javascript; charset=utf-8");
  check_page_headers(js, "/app.js");
  // Edited: the next request has it, with another ETag.
  std::ofstream(web.sub("app.js"), std::ios::trunc) << "export const two = 2;";
  auto edited = http_call(s.port(), "GET", "/app.js", "", {{"If-None-Match", js.header("etag")}});
  CHECK(edited.status == 200);
  CHECK(edited.body == "export const two = 2;");
  CHECK(edited.header("etag") != js.header("etag"));
  CHECK(http_call(s.port(), "GET", "/").body == "<!doctype html><title>one</title>");

  for (const char* target : {"/.env", "/sub", "/sub/inner.js", "/..%2Fetc%2Fpasswd", "/%2Fetc%2Fpasswd", "/missing.js",
                             "/sub%2Finner.js"}) {
    auto r = http_call(s.port(), "GET", target);
    CHECK_MESSAGE(r.status == 404, target << ": " << r.status);
    CHECK_MESSAGE(r.header("content-type") == "application/problem+json", target);
  }
  // A path an API route has is the route's, never a file: 405, not a file named mobiles.
  std::ofstream(web.sub("mobiles")) << "not served";
  auto route = http_call(s.port(), "GET", "/mobiles");
  CHECK(route.status == 405);
  CHECK(route.header("allow") == "POST");
  auto post = http_call(s.port(), "POST", "/app.js", "{}");
  CHECK(post.status == 405);
}

TEST_CASE("--web-dir must name a folder with an index.html: otherwise mailboxd stops at start with exit 2") {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.sub("empty"));
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--web-dir", dir.sub("missing")}, "is not a folder"},
           {{"--web-dir", dir.sub("empty")}, "has no index.html"}}) {
    std::vector<std::string> all = args;
    all.insert(all.end(), {"--data", dir.sub("data"), "--listen", "127.0.0.1:0"});
    const auto r = testing::ChildProcess(MAILBOXD_PATH, all).wait(std::chrono::seconds(10));
    CHECK(r.exit_code == 2);
    CHECK_MESSAGE(r.err.find("mailboxd: --web-dir '" + args[1] + "' " + message) != std::string::npos, r.err);
  }
}
