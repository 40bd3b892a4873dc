#include <doctest/doctest.h>

#include "app/utf8.h"
#include "app/commands/validation.h"

using namespace mailbox::commands;
using mailbox::eventstore::Code;

TEST_CASE("phone numbers: digits with an optional leading +, 3 to 20 of them, kept as given") {
  struct Case {
    const char* phone;
    const char* reason;  // nullptr: accepted
  };
  const Case cases[] = {
      {"01012345678", nullptr},
      {"+821012345678", nullptr},
      {"119", nullptr},
      {"12345678901234567890", nullptr},
      {"", "must not be empty"},
      {"12", "3 to 20 digits"},
      {"+12", "3 to 20 digits"},
      {"123456789012345678901", "3 to 20 digits"},
      {"010-1234-5678", "must be digits"},
      {"010 1234", "must be digits"},
      {"++821012", "must be digits"},
      {"82+1012", "must be digits"},
      {"０１０１２３", "must be digits"},  // full-width digits
  };
  for (const auto& c : cases) {
    CAPTURE(c.phone);
    auto r = validate_phone("receiver", c.phone);
    if (!c.reason) {
      CHECK(r.has_value());
    } else {
      REQUIRE_FALSE(r.has_value());
      CHECK(r.error().code == Code::invalid_argument);
      CHECK(r.error().field == "receiver");
      CHECK(r.error().message.find(c.reason) != std::string::npos);
    }
  }
}

TEST_CASE("text: valid UTF-8, 1 to 2000 code points, no control characters but newline and tab") {
  CHECK(validate_text("text", "hello").has_value());
  CHECK(validate_text("text", "안녕하세요 👋").has_value());
  CHECK(validate_text("text", "line one\nline two\tend").has_value());
  CHECK(validate_text("text", std::string(2000, 'a')).has_value());
  // 2000 three-byte code points are 6000 bytes and still fine.
  std::string korean;
  for (int i = 0; i < 2000; ++i) korean += "가";
  CHECK(validate_text("text", korean).has_value());

  struct Case {
    std::string text;
    const char* reason;
  };
  const Case bad[] = {
      {"", "must not be empty"},
      {std::string(2001, 'a'), "at most 2000"},
      {korean + "가", "at most 2000"},
      {"bell\a", "control characters"},
      {"carriage\rreturn", "control characters"},
      {std::string("nul\0byte", 8), "control characters"},
      {"del\x7f", "control characters"},
      {"c1 \xc2\x85", "control characters"},
      {"\xff\xfe", "not valid UTF-8"},
      {"truncated \xea\xb0", "not valid UTF-8"},
      {"overlong \xc0\xaf", "not valid UTF-8"},
      {"surrogate \xed\xa0\x80", "not valid UTF-8"},
      {"too big \xf4\x90\x80\x80", "not valid UTF-8"},
  };
  for (const auto& c : bad) {
    CAPTURE(c.text);
    auto r = validate_text("text", c.text);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().field == "text");
    CHECK(r.error().message.find(c.reason) != std::string::npos);
  }
}

TEST_CASE("a UTF-8 prefix never splits a character") {
  CHECK(mailbox::app::utf8_prefix("안녕하세요 👋", 2) == "안녕");
  CHECK(mailbox::app::utf8_prefix("ab👋cd", 3) == "ab👋");
  CHECK(mailbox::app::utf8_prefix("short", 40) == "short");
}
