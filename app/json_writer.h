#pragma once
// A small streaming JSON writer: objects, arrays, strings (escaped), numbers, booleans.
// It writes into a string and trusts its caller to nest calls correctly.

#include <cstdint>
#include <string>
#include <string_view>

namespace mailbox::app {

class JsonWriter {
 public:
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // The next value's key, inside an object.
  JsonWriter& key(std::string_view k);
  JsonWriter& string(std::string_view s);
  JsonWriter& number(std::int64_t n);
  JsonWriter& unsigned_number(std::uint64_t n);
  JsonWriter& boolean(bool b);
  JsonWriter& null();
  // Inserts already-encoded JSON as a value.
  JsonWriter& raw(std::string_view json);

  // Shorthands for key(k).value(v).
  JsonWriter& field(std::string_view k, std::string_view v) { return key(k).string(v); }
  JsonWriter& field(std::string_view k, const char* v) { return key(k).string(v); }
  JsonWriter& field(std::string_view k, std::int64_t v) { return key(k).number(v); }
  JsonWriter& field(std::string_view k, std::uint64_t v) { return key(k).unsigned_number(v); }
  JsonWriter& field(std::string_view k, bool v) { return key(k).boolean(v); }

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();
  std::string out_;
  bool need_comma_ = false;
};

// s as a JSON string literal, quotes included. Control characters, quotes and
// backslashes are escaped; valid UTF-8 passes through byte for byte, and each byte that
// is not part of it becomes U+FFFD, so that the JSON is valid whatever s holds.
void append_json_string(std::string& out, std::string_view s);

// RFC 3339 UTC time with microseconds, e.g. "2026-11-24T18:00:00.123456Z".
std::string rfc3339(std::int64_t micros_since_epoch);

}  // namespace mailbox::app
