// POST routes: send a message, mark one read.
#include "app/json_writer.h"
#include "server/api.h"
#include "server/json_body.h"
#include "server/problem.h"
#include "server/resource_json.h"

namespace mailbox::server {

namespace {

bool is_json(const HttpRequest& req) {
  auto type = req.header("content-type");
  if (!type) return false;
  std::string_view t = type->substr(0, type->find(';'));
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  std::string lower;
  for (char c : t) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower == "application/json" || (lower.starts_with("application/") && lower.ends_with("+json"));
}

HttpResponse not_json() { return problem(415, "send the body as application/json"); }

// A required string from the JSON body's field or, without a body, the query parameter
// of the same name; the answer to give instead when it is missing or the body is bad.
std::variant<std::string, HttpResponse> body_or_query(const HttpRequest& req, const std::string& name) {
  std::string value;
  if (!req.body.empty()) {
    if (!is_json(req)) return not_json();
    auto parsed = read_string_fields(req.body, {name});
    if (auto* bad = std::get_if<HttpResponse>(&parsed)) return std::move(*bad);
    auto& fields = std::get<StringFields>(parsed);
    if (auto it = fields.find(name); it != fields.end()) value = it->second;
  }
  if (value.empty())
    if (auto param = req.param(name)) value = std::string(*param);
  if (value.empty()) return problem(422, name + ": is required", name);
  return value;
}

std::string sent_json(const commands::SendResult& r) {
  app::JsonWriter w;
  w.begin_object();
  w.field("id", r.sent.message_id).field("user", r.sent.sender).field("receiver", r.sent.receiver);
  w.field("text", r.sent.text).field("sentAt", app::rfc3339(r.sent.sent_at_us)).field("position", r.position);
  w.key("_links").begin_object().key("self").begin_object();
  w.field("href", "/readmails/" + url_encode(r.sent.message_id)).end_object().end_object();
  w.end_object();
  return w.take();
}

}  // namespace

void Api::post_mobiles(const HttpRequest& req, Respond respond) {
  if (!is_json(req)) return respond(not_json());
  auto parsed = read_string_fields(req.body, {"user", "receiver", "text"});
  if (auto* bad = std::get_if<HttpResponse>(&parsed)) return respond(std::move(*bad));
  auto& fields = std::get<StringFields>(parsed);
  for (const char* name : {"user", "receiver", "text"})
    if (!fields.contains(name)) return respond(problem(422, std::string(name) + ": is required", name));

  commands::SendMessage command{fields["user"], fields["receiver"], fields["text"], std::nullopt};
  if (auto key = req.header("idempotency-key")) command.idempotency_key = std::string(*key);
  engine_.send().send(std::move(command), [post = post_, respond = std::move(respond)](
                                              eventstore::Result<commands::SendResult> r) mutable {
    // On the writer thread: encode and answer on an I/O thread.
    post([r = std::move(r), respond = std::move(respond)]() mutable {
      if (!r) {
        auto e = r.error();
        // The send command names its fields after the command; the API's body says "user".
        if (e.field == "sender") {
          e.field = "user";
          if (e.message.starts_with("sender")) e.message.replace(0, 6, "user");
        }
        if (e.field == "idempotency_key") e.field = "Idempotency-Key";
        return respond(problem(e));
      }
      HttpResponse out;
      out.status = 201;
      out.body = sent_json(*r);
      out.headers.emplace_back("Location", "/readmails/" + url_encode(r->sent.message_id));
      if (r->duplicate) out.headers.emplace_back("Idempotent-Replayed", "true");
      respond(std::move(out));
    });
  });
}

void Api::post_mark_read(const HttpRequest& req, std::string id, Respond respond) {
  auto given = body_or_query(req, "receiver");
  if (auto* bad = std::get_if<HttpResponse>(&given)) return respond(std::move(*bad));
  const std::string receiver = std::get<std::string>(given);

  engine_.mark_read().mark_read({id, receiver}, [post = post_, id, respond = std::move(respond)](
                                                    eventstore::Result<commands::MarkReadResult> r) mutable {
    post([id, r = std::move(r), respond = std::move(respond)]() mutable {
      if (!r) return respond(problem(r.error()));
      app::JsonWriter w;
      w.begin_object().field("id", id).field("read", true).field("position", r->position);
      w.field("alreadyRead", r->already_read).end_object();
      HttpResponse out;
      out.body = w.take();
      respond(std::move(out));
    });
  });
}

void Api::post_redrive(const HttpRequest& req, std::string alarm_id, Respond respond) {
  auto given = body_or_query(req, "messageId");
  if (auto* bad = std::get_if<HttpResponse>(&given)) return respond(std::move(*bad));
  const std::string message_id = std::get<std::string>(given);
  engine_.redrive().redrive({alarm_id, message_id}, [post = post_, alarm_id, respond = std::move(respond)](
                                                        eventstore::Result<std::uint64_t> r) mutable {
    post([alarm_id, r = std::move(r), respond = std::move(respond)]() mutable {
      if (!r) return respond(problem(r.error()));
      app::JsonWriter w;
      w.begin_object().field("alarmId", alarm_id).field("position", *r).end_object();
      HttpResponse out;
      out.status = 202;
      out.body = w.take();
      respond(std::move(out));
    });
  });
}

}  // namespace mailbox::server
