// Percent-encoding of links (every page of mail writes one per message).
#include <doctest/doctest.h>

#include <string>

#include "server/url.h"

using mailbox::server::url_decode;
using mailbox::server::url_encode;

TEST_CASE("url_encode escapes everything but unreserved characters, wherever the first escape falls") {
  CHECK(url_encode("") == "");
  CHECK(url_encode("01a21e72-a6c4-7000-9780-f26859614adf") == "01a21e72-a6c4-7000-9780-f26859614adf");
  CHECK(url_encode("Az09-_.~") == "Az09-_.~");
  CHECK(url_encode("a b/c") == "a%20b%2Fc");
  CHECK(url_encode("/x") == "%2Fx");
  CHECK(url_encode("x?") == "x%3F");
  CHECK(url_encode("é") == "%C3%A9");
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string back;
  REQUIRE(url_decode(url_encode(all), false, back));
  CHECK(back == all);
}
