// Percent-encoding of links, and RFC 3339 times: what every page of mail formats per
// message, checked against plain references.
#include <doctest/doctest.h>

#include <cstdio>
#include <ctime>
#include <random>
#include <string>

#include "app/json_writer.h"
#include "server/url.h"

using mailbox::app::rfc3339;
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
