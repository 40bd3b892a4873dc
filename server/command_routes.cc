// Command routes: send a message, mark one read, redrive a dead-lettered alarm.
#include "app/json_writer.h"
#include "server/api.h"
#include "server/json_body.h"
#include "server/request_params.h"
#include "server/resource_json.h"

namespace mailbox::server {

namespace {

// The send command's names for the API's fields: the one place they are mapped.
constexpr ApiField kSendFields[] = {
    {"sender", "user", true},
    {"receiver", "receiver", true},
    {"text", "text", true},
    {"idempotency_key", "Idempotency-Key", true},
};

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

void Api::post_mobiles(const Call& call, Answer answer) {
  // With a token, user may be left out: it is the caller.
  auto fields = call.caller.authenticated ? read_json_body(call.req, {"receiver", "text"}, {"user"})
                                          : read_json_body(call.req, {"user", "receiver", "text"});
  if (!fields) return answer(std::unexpected(fields.error()));
  auto user = own_number(call.caller, call.rule, (*fields)["user"], "user");
  if (!user) return answer(std::unexpected(user.error()));
  // Per principal: the token's subject, or in open mode the sender named.
  if (auto wait = send_limiter_.take(call.caller.authenticated ? call.caller.subject : *user)) {
    metrics_.send_rate_limited();
    const auto seconds = std::max<long long>(1, (wait->count() + 999) / 1000);
    Problem p = problem("rate_limited", "more than the sends allowed per second; try again in " +
                                            std::to_string(seconds) + " s");
    p.headers.emplace_back("Retry-After", std::to_string(seconds));
    return answer(std::unexpected(std::move(p)));
  }
  commands::SendMessage command{*user, (*fields)["receiver"], (*fields)["text"], std::nullopt, call.caller.actor()};
  if (auto key = call.req.header("idempotency-key")) command.idempotency_key = std::string(*key);
  auto answer_sent = [answer = std::move(answer)](app::Result<commands::SendResult> r) {
    if (!r) return answer(std::unexpected(problem_of(r.error(), kSendFields)));
    Resource created{Resource::Kind::created, sent_json(*r), "application/json", {}, nullptr};
    created.headers.emplace_back("Location", "/readmails/" + url_encode(r->sent.message_id));
    if (r->duplicate) created.headers.emplace_back("Idempotent-Replayed", "true");
    answer(std::move(created));
  };
  engine_.send().send(std::move(command), on_io<app::Result<commands::SendResult>>(std::move(answer_sent)));
}

void Api::post_mark_read(const Call& call, Answer answer) {
  // The receiver comes in the body ({"receiver": ...}), or, without a body, as a query
  // parameter; either way it is the command's field.
  std::string receiver;
  if (!call.req.body.empty()) {
    auto fields = read_json_body(call.req, {}, {"receiver"});
    if (!fields) return answer(std::unexpected(fields.error()));
    receiver = (*fields)["receiver"];
  }
  if (receiver.empty()) receiver = std::string(call.req.param("receiver").value_or(""));
  auto own = own_number(call.caller, call.rule, receiver, "receiver");
  if (!own) return answer(std::unexpected(own.error()));
  receiver = *own;
  if (receiver.empty()) return answer(std::unexpected(problem("missing_field", "receiver: is required", "receiver")));
  const std::string id(call.params.get("id"));
  auto answer_read = [id, answer = std::move(answer)](app::Result<commands::MarkReadResult> r) {
    if (!r) return answer(std::unexpected(problem_of(r.error())));
    app::JsonWriter w;
    w.begin_object().field("id", id).field("read", true).field("position", r->position);
    w.field("alreadyRead", r->already_read).end_object();
    answer(Resource{Resource::Kind::ok, w.take(), "application/json", {}, nullptr});
  };
  engine_.mark_read().mark_read({id, receiver, call.caller.actor()},
                                on_io<app::Result<commands::MarkReadResult>>(std::move(answer_read)));
}

void Api::post_redrive(const Call& call, Answer answer) {
  // The message comes as ?messageId= (the dead letter's redrive link), or in a JSON body.
  std::string message_id(call.req.param("messageId").value_or(""));
  if (message_id.empty() && !call.req.body.empty()) {
    auto fields = read_json_body(call.req, {}, {"messageId"});
    if (!fields) return answer(std::unexpected(fields.error()));
    message_id = (*fields)["messageId"];
  }
  if (message_id.empty())
    return answer(std::unexpected(problem("invalid_parameter", "messageId: is required", "messageId")));
  const std::string alarm_id(call.params.get("alarmId"));
  auto answer_redriven = [alarm_id, answer = std::move(answer)](app::Result<std::uint64_t> r) {
    if (!r) return answer(std::unexpected(problem_of(r.error())));
    app::JsonWriter w;
    w.begin_object().field("alarmId", alarm_id).field("position", *r).end_object();
    answer(Resource{Resource::Kind::accepted, w.take(), "application/json", {}, nullptr});
  };
  engine_.redrive().redrive({alarm_id, message_id, call.caller.actor()},
                            on_io<app::Result<std::uint64_t>>(std::move(answer_redriven)));
}

}  // namespace mailbox::server
