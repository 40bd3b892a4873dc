#pragma once
// UTF-8 decoding: command validation, alarm previews, and the JSON writer.

#include <cstddef>
#include <string_view>

namespace mailbox::app {

// Decodes the UTF-8 sequence starting at text[i] into cp and returns its length in
// bytes, or 0 when it is invalid: truncated, overlong, a surrogate, or past U+10FFFF.
// REQUIRES: i < text.size().
std::size_t decode_utf8(std::string_view text, std::size_t i, char32_t& cp);

// The longest prefix of valid UTF-8 text with at most max_code_points code points.
std::string_view utf8_prefix(std::string_view text, std::size_t max_code_points);

}  // namespace mailbox::app
