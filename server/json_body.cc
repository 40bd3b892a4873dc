#include "server/json_body.h"

#include <simdjson.h>

#include <algorithm>

#include "server/problem.h"

namespace mailbox::server {

std::variant<StringFields, HttpResponse> read_string_fields(const std::string& body,
                                                            const std::vector<std::string_view>& names) {
  thread_local simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS) return problem(400, "the body is not valid JSON");
  simdjson::ondemand::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) return problem(400, "the body must be a JSON object");

  StringFields fields;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key) != simdjson::SUCCESS) return problem(400, "the body is not valid JSON");
    auto value = field.value();
    if (std::find(names.begin(), names.end(), key) == names.end()) continue;  // not ours: skipped
    simdjson::ondemand::json_type type;
    if (value.type().get(type) != simdjson::SUCCESS) return problem(400, "the body is not valid JSON");
    if (type != simdjson::ondemand::json_type::string)
      return problem(400, std::string(key) + ": must be a JSON string", key);
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS)
      return problem(400, std::string(key) + ": is not a valid JSON string", key);
    fields.insert_or_assign(std::string(key), std::string(text));
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS)
    return problem(400, "the body has content after the JSON object");
  return fields;
}

}  // namespace mailbox::server
