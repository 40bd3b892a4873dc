#pragma once
// Validation of command input. Each refusal is an invalid_argument error that names the
// field, gives the reason (invalid_phone, invalid_text) and says what is wrong.

#include <string_view>

#include "core/eventstore/status.h"

namespace mailbox::commands {

inline constexpr std::size_t kMaxTextCodePoints = 2000;

// A phone number: an optional leading '+', then 3 to 20 digits, nothing else. It is
// kept exactly as given: "01012345678" keeps its leading 0.
eventstore::Status validate_phone(std::string_view field, std::string_view phone);

// Message text: valid UTF-8, not empty, at most kMaxTextCodePoints code points, and no
// control characters but newline and tab.
eventstore::Status validate_text(std::string_view field, std::string_view text);

}  // namespace mailbox::commands
