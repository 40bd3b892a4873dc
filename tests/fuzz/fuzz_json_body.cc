// A JSON request body, as each command route reads it (POST /mobiles with and without
// a token, POST /readmails/{id}/read, POST .../redrive), then through the command's
// validation of the fields it got. The first byte picks the route, the rest is the
// body. A problem answered must be well formed; a field read must be valid UTF-8.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/commands/validation.h"
#include "app/json_writer.h"
#include "server/json_body.h"
#include "tests/fuzz/fuzz_check.h"

using namespace mailbox;
using namespace mailbox::server;

namespace {

// Each command route's body fields: required, optional (server/command_routes.cc).
struct BodyFields {
  std::vector<std::string_view> required, optional;
};
const BodyFields kRoutes[] = {
    {{"user", "receiver", "text"}, {}},  // POST /mobiles without a token
    {{"receiver", "text"}, {"user"}},    // POST /mobiles with one
    {{}, {"receiver"}},                  // POST /readmails/{id}/read
    {{}, {"messageId"}},                 // POST /alarms/dead-letters/{alarmId}/redrive
};

void answer(const Problem& p) { fuzz::check_response(to_http(std::unexpected(p)), "problem"); }

void validate(const eventstore::Status& status) {
  if (!status) answer(problem_of(status.error()));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const BodyFields& route = kRoutes[data[0] % std::size(kRoutes)];
  HttpRequest req;
  req.method = "POST";
  req.headers.emplace("content-type", "application/json; charset=utf-8");
  req.body.assign(reinterpret_cast<const char*>(data) + 1, size - 1);

  auto fields = read_json_body(req, route.required, route.optional);
  if (!fields) return answer(fields.error()), 0;
  fuzz::check_json(req.body, "a body read as JSON");
  for (auto name : route.required) fuzz::check(fields->contains(name), "a required field is missing");
  for (const auto& [name, value] : *fields) {
    // The parser's strings are what it validated: UTF-8 (checked by writing them as JSON).
    app::JsonWriter w;
    w.begin_object().field(name, value).end_object();
    fuzz::check_json(w.str(), "a field read from the body");
  }
  if (auto user = fields->find("user"); user != fields->end()) validate(commands::validate_phone("sender", user->second));
  if (auto receiver = fields->find("receiver"); receiver != fields->end())
    validate(commands::validate_phone("receiver", receiver->second));
  if (auto text = fields->find("text"); text != fields->end()) validate(commands::validate_text("text", text->second));
  return 0;
}
