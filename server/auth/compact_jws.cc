#include "server/auth/compact_jws.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>

#include "server/auth/base64url.h"

namespace mailbox::server::auth {

namespace {

std::unexpected<TokenError> refuse(std::string description) { return std::unexpected(TokenError{std::move(description)}); }

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::expected<CompactJws, TokenError> split_compact_jws(std::string_view token) {
  if (token.empty()) return refuse("the token is empty");
  if (token.size() > kMaxTokenBytes)
    return refuse("the token is longer than " + std::to_string(kMaxTokenBytes) + " bytes");
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos)
    return refuse("the token is not three base64url parts separated by dots");
  auto header = base64url_decode(token.substr(0, first));
  auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
  auto signature = base64url_decode(token.substr(second + 1));
  if (!header || header->empty()) return refuse("the token's header is not base64url");
  if (!payload || payload->empty()) return refuse("the token's payload is not base64url");
  if (!signature) return refuse("the token's signature is not base64url");
  if (signature->empty()) return refuse("the token has no signature");
  return CompactJws{token.substr(0, second), std::move(*header), std::move(*payload), std::move(*signature)};
}

std::expected<JoseHeader, TokenError> parse_jose_header(std::string_view header_json) {
  thread_local simdjson::dom::parser parser(kMaxTokenBytes);
  const simdjson::padded_string padded(header_json);
  simdjson::dom::object object;
  if (parser.parse(padded).get_object().get(object)) return refuse("the token's header is not a JSON object");
  std::optional<std::string_view> alg, kid;
  for (auto [key, value] : object) {
    std::optional<std::string_view>* member = key == "alg" ? &alg : key == "kid" ? &kid : nullptr;
    if (key == "crit") return refuse("the token's header has critical extensions (crit), which are not understood");
    if (!member) continue;
    if (*member) return refuse("the token's header repeats a member");
    std::string_view text;
    if (value.get_string().get(text)) return refuse("the token's header has a member (alg or kid) that is not a string");
    *member = text;
  }
  if (!alg) return refuse("the token's header has no algorithm (alg)");
  if (equals_ignoring_case(*alg, "none")) return refuse("unsigned tokens (alg none) are not accepted");
  auto algorithm = parse_algorithm(*alg);
  if (!algorithm) return refuse("the token's algorithm (alg) is not one of HS256, RS256, ES256");
  JoseHeader header{*algorithm, std::nullopt};
  if (kid) header.key_id = std::string(*kid);
  return header;
}

}  // namespace mailbox::server::auth
