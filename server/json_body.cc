#include "server/json_body.h"

#include <simdjson.h>

#include <algorithm>

namespace mailbox::server {

bool is_json(const HttpRequest& req) {
  auto type = req.header("content-type");
  if (!type) return false;
  std::string_view t = type->substr(0, type->find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  std::string lower;
  for (char c : t) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "application/json" || (lower.starts_with("application/") && lower.ends_with("+json"));
}

std::expected<StringFields, Problem> read_string_fields(const std::string& body,
                                                        const std::vector<std::string_view>& names) {
  auto bad = [](std::string detail, std::string field = {}) {
    return std::unexpected(problem("malformed_body", std::move(detail), std::move(field)));
  };
  // The DOM parser checks the whole body, the fields not read included (the on-demand
  // one would skip them unchecked), and content after the object.
  thread_local simdjson::dom::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::dom::element doc;
  if (auto error = parser.parse(padded).get(doc))
    return bad(std::string("the body is not valid JSON: ") + simdjson::error_message(error));
  simdjson::dom::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) return bad("the body must be a JSON object");

  StringFields fields;
  for (auto [key, value] : object) {
    if (std::find(names.begin(), names.end(), key) == names.end()) continue;  // not ours: skipped
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS)
      return bad(std::string(key) + ": must be a JSON string", std::string(key));
    fields.insert_or_assign(std::string(key), std::string(text));
  }
  return fields;
}

std::expected<StringFields, Problem> read_json_body(const HttpRequest& req,
                                                    const std::vector<std::string_view>& required,
                                                    const std::vector<std::string_view>& optional) {
  if (!is_json(req)) return std::unexpected(problem("unsupported_media_type", "send the body as application/json"));
  std::vector<std::string_view> names = required;
  names.insert(names.end(), optional.begin(), optional.end());
  auto fields = read_string_fields(req.body, names);
  if (!fields) return fields;
  for (auto name : required)
    if (!fields->contains(name))
      return std::unexpected(problem("missing_field", std::string(name) + ": is required", std::string(name)));
  return fields;
}

}  // namespace mailbox::server
