#include "server/auth/base64url.h"

#include <doctest/doctest.h>

#include <string>

using mailbox::server::auth::base64url_decode;
using mailbox::server::auth::base64url_encode;

TEST_CASE("base64url encodes RFC 4648's test vectors without padding, and decodes them back") {
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},         {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff\xbf", "-_-_"},
  };
  for (const auto& [bytes, text] : vectors) {
    CAPTURE(text);
    CHECK(base64url_encode(bytes) == text);
    CHECK(base64url_decode(text) == bytes);
  }
}

TEST_CASE("base64url round-trips every byte value at every length modulo 3") {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  for (std::size_t cut = 0; cut < 3; ++cut) {
    const std::string bytes = all.substr(cut);
    CHECK(base64url_decode(base64url_encode(bytes)) == bytes);
  }
}

TEST_CASE("base64url refuses padding, the standard alphabet's + and /, stray characters, impossible lengths and leftover bits") {
  for (const char* text : {"Zg==", "Zg=", "Zm9v+w", "Zm9v/w", "Zm 9v", "Zm9v\n", "Z", "Zm9vY", "Zh", "Zm9", "Zm9vYq",
                           "\xc3\xa9\xc3\xa9"}) {
    CAPTURE(text);
    CHECK_FALSE(base64url_decode(text).has_value());
  }
  CHECK(base64url_decode("Zm8").has_value());  // "Zm9" leaves bits set where "Zm8" does not
}
