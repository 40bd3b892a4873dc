#include "app/json_writer.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "app/utf8.h"

namespace mailbox::app {

namespace {

// Whether a byte goes into a JSON string as it is: printable ASCII other than the quote
// and the backslash.
constexpr bool plain(unsigned char u) { return u >= 0x20 && u < 0x7f && u != '"' && u != '\\'; }

// Whether any of the 8 bytes of w is not plain (w read from memory in any byte order).
constexpr bool any_special(std::uint64_t w) {
  constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  auto has_zero = [](std::uint64_t v) { return ((v - ones) & ~v & highs) != 0; };
  const bool below_space = ((w - ones * 0x20) & ~w & highs) != 0;  // a byte < 0x20
  const bool high_bit = (w & highs) != 0;                           // a byte >= 0x80
  return below_space || high_bit || has_zero(w ^ (ones * '"')) || has_zero(w ^ (ones * '\\')) ||
         has_zero(w ^ (ones * 0x7f));
}

// The length of the run of plain bytes of s from i on.
std::size_t plain_run(std::string_view s, std::size_t i) {
  std::size_t end = i;
  // Eight bytes at a time while none of them needs a look of its own.
  while (end + 8 <= s.size()) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + end, 8);
    if (any_special(w)) break;
    end += 8;
  }
  while (end < s.size() && plain(static_cast<unsigned char>(s[end]))) ++end;
  return end - i;
}

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < s.size(); ++i) {
    // Runs of plain bytes (most of any text) are copied whole.
    if (const std::size_t run = plain_run(s, i); run > 0) {
      out.append(s.data() + i, run);
      i += run;
      if (i == s.size()) break;
    }
    const char c = s[i];
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x80) {
      // JSON is UTF-8: a byte that does not start a valid sequence becomes U+FFFD.
      char32_t cp;
      const std::size_t len = decode_utf8(s, i, cp);
      if (len == 0) {
        out += "\\ufffd";
      } else {
        out.append(s.substr(i, len));
        i += len - 1;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (u < 0x20 || u == 0x7f) {
          out += "\\u00";
          out.push_back(kHex[u >> 4]);
          out.push_back(kHex[u & 0x0f]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
}

void JsonWriter::separate() {
  if (need_comma_) out_.push_back(',');
  need_comma_ = true;
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  separate();
  append_json_string(out_, k);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view s) {
  separate();
  append_json_string(out_, s);
  return *this;
}

JsonWriter& JsonWriter::number(std::int64_t n) {
  separate();
  out_ += std::to_string(n);
  return *this;
}

JsonWriter& JsonWriter::unsigned_number(std::uint64_t n) {
  separate();
  out_ += std::to_string(n);
  return *this;
}

JsonWriter& JsonWriter::boolean(bool b) {
  separate();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

namespace {

// Seconds since the epoch of 0000-01-01T00:00:00Z and of 10000-01-01T00:00:00Z.
constexpr std::int64_t kYear0 = -62'167'219'200;
constexpr std::int64_t kYear10000 = 253'402'300'800;

// Writes value as `width` decimal digits ending at end (value fits them).
void put_digits(char* end, std::int64_t value, int width) {
  for (int i = 0; i < width; ++i, value /= 10) *--end = static_cast<char>('0' + value % 10);
}

}  // namespace

std::string rfc3339(std::int64_t micros) {
  std::int64_t secs = micros / 1'000'000;
  std::int64_t frac = micros % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  if (secs >= kYear0 && secs < kYear10000) {
    // Four-digit years (every time a send can carry): the calendar by std::chrono, the
    // digits by hand; a page of mail formats one per message.
    const std::chrono::sys_seconds at{std::chrono::seconds{secs}};
    const auto day = std::chrono::floor<std::chrono::days>(at);
    const std::chrono::year_month_day date{day};
    const std::chrono::hh_mm_ss time{at - day};
    std::string out = "0000-00-00T00:00:00.000000Z";
    char* p = out.data();
    put_digits(p + 4, static_cast<int>(date.year()), 4);
    put_digits(p + 7, static_cast<unsigned>(date.month()), 2);
    put_digits(p + 10, static_cast<unsigned>(date.day()), 2);
    put_digits(p + 13, time.hours().count(), 2);
    put_digits(p + 16, time.minutes().count(), 2);
    put_digits(p + 19, time.seconds().count(), 2);
    put_digits(p + 26, frac, 6);
    return out;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];  // room for any year an int holds
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(frac));
  return buf;
}

}  // namespace mailbox::app
