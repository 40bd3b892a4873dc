// The JSON writer's pieces a page of mail calls per message: strings and RFC 3339
// times, checked against plain references.
#include <doctest/doctest.h>

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "app/json_writer.h"

using mailbox::app::append_json_string;
using mailbox::app::rfc3339;

namespace {

std::string json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

}  // namespace

TEST_CASE("JSON strings escape quotes, backslashes and control bytes wherever they fall between plain text") {
  CHECK(json("") == R"("")");
  CHECK(json("plain text, 0-9 ~") == R"("plain text, 0-9 ~")");
  CHECK(json("\"") == R"("\"")");
  CHECK(json("a\"b\\c\x01" "d\x7f" "e\tf\r\b\f\n") == R"("a\"b\\c\u0001d\u007fe\tf\r\b\f\n")");
  CHECK(json(std::string_view("x\0y", 3)) == R"("x\u0000y")");
  CHECK(json("say \"안녕\"!") == R"("say \"안녕\"!")");
}

TEST_CASE("JSON strings: a byte that needs a look of its own is found at any offset of a long run") {
  // Runs are scanned eight bytes at a time: every printable byte but the two escaped
  // ones passes unchanged, and each special byte is caught in every lane.
  std::string printable;
  for (int u = 0x20; u < 0x7f; ++u)
    if (u != '"' && u != '\\') printable.push_back(static_cast<char>(u));
  CHECK(json(printable + printable) == "\"" + printable + printable + "\"");
  const std::vector<std::string> specials = {"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "\xc3\xa9", "\xff",
                                            std::string(1, '\0')};
  for (const std::string& special : specials) {
    const std::string escaped = json(special).substr(1, json(special).size() - 2);
    for (std::size_t at = 0; at <= 24; ++at) {
      const std::string text = std::string(at, 'a') + special + std::string(24 - at, 'b');
      REQUIRE_MESSAGE(json(text) == "\"" + std::string(at, 'a') + escaped + std::string(24 - at, 'b') + "\"",
                      "special byte at offset ", at);
    }
  }
}

namespace {

// The reference: gmtime_r and printf.
std::string reference_rfc3339(std::int64_t micros) {
  std::int64_t secs = micros / 1'000'000, frac = micros % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(frac));
  return buf;
}

}  // namespace

TEST_CASE("rfc3339 writes UTC times with microseconds, the same as gmtime and printf, in and past four-digit years") {
  CHECK(rfc3339(0) == "1970-01-01T00:00:00.000000Z");
  CHECK(rfc3339(1'700'000'000'123'456) == "2023-11-14T22:13:20.123456Z");
  CHECK(rfc3339(-1) == "1969-12-31T23:59:59.999999Z");
  CHECK(rfc3339(951'782'400'000'000) == "2000-02-29T00:00:00.000000Z");  // a leap day
  const std::int64_t year0 = -62'167'219'200'000'000, year10000 = 253'402'300'800'000'000;
  for (std::int64_t edge : {year0 - 1, year0, year0 + 1, year10000 - 1, year10000, year10000 + 1})
    CHECK(rfc3339(edge) == reference_rfc3339(edge));
  CHECK(rfc3339(year10000 - 1) == "9999-12-31T23:59:59.999999Z");
  std::mt19937_64 random(20261127);
  std::uniform_int_distribution<std::int64_t> any(year0 - 86'400'000'000LL * 366 * 10,
                                                   year10000 + 86'400'000'000LL * 366 * 10);
  for (int i = 0; i < 100'000; ++i) {
    const std::int64_t micros = any(random);
    REQUIRE_MESSAGE(rfc3339(micros) == reference_rfc3339(micros), "at ", micros);
  }
}
