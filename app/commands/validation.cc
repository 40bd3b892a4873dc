#include "app/commands/validation.h"

#include <string>

#include "app/utf8.h"

namespace mailbox::commands {

using eventstore::fail_field;

eventstore::Status validate_phone(std::string_view field, std::string_view phone) {
  const std::string name(field);
  const std::string reason = "invalid_phone";
  if (phone.empty()) return fail_field(name, "must not be empty", reason);
  std::string_view digits = phone;
  if (digits.front() == '+') digits.remove_prefix(1);
  for (char c : digits)
    if (c < '0' || c > '9')
      return fail_field(name, "must be digits, with an optional leading '+'", reason);
  if (digits.size() < 3 || digits.size() > 20)
    return fail_field(name, "must have 3 to 20 digits, has " + std::to_string(digits.size()), reason);
  return {};
}

namespace {

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

}  // namespace

eventstore::Status validate_text(std::string_view field, std::string_view text) {
  const std::string name(field);
  const std::string reason = "invalid_text";
  if (text.empty()) return fail_field(name, "must not be empty", reason);
  std::size_t code_points = 0;
  for (std::size_t i = 0; i < text.size();) {
    char32_t cp = 0;
    const std::size_t len = app::decode_utf8(text, i, cp);
    if (len == 0) return fail_field(name, "is not valid UTF-8 (at byte " + std::to_string(i) + ")", reason);
    if (is_control(cp) && cp != '\n' && cp != '\t')
      return fail_field(name, "must not contain control characters other than newline and tab", reason);
    if (++code_points > kMaxTextCodePoints)
      return fail_field(name, "must be at most " + std::to_string(kMaxTextCodePoints) + " characters", reason);
    i += len;
  }
  return {};
}

}  // namespace mailbox::commands
