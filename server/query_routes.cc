// GET routes over the views: the mailbox, one message, unread counts, sent mail, alarms
// and dead letters.
#include "app/json_writer.h"
#include "app/queries/page.h"
#include "server/api.h"
#include "server/mailbox_feed.h"
#include "server/request_params.h"
#include "server/resource_json.h"

namespace mailbox::server {

namespace {

constexpr std::uint64_t kDefaultLimit = 20;
// A page query's arguments are query parameters: invalid ones are 400s.
constexpr ApiField kPageFields[] = {{"limit", "limit", false}, {"cursor", "cursor", false}};

Resource json(std::string body, bool fresh) {
  Resource r{Resource::Kind::ok, std::move(body), "application/json", {}, nullptr};
  if (!fresh) r.headers.emplace_back("X-Stale", "true");
  return r;
}

// What a deferred query needs from the request.
struct PageArgs {
  std::size_t limit = kDefaultLimit;
  std::string cursor;
};

// A self_only query parameter: required in open mode; with a token, the caller's own
// number, which it defaults to.
std::expected<std::string, Problem> own_param(const Api::Call& call, std::string_view name) {
  if (!call.caller.authenticated) return required_param(call.req, name);
  return own_number(call.caller, call.rule, std::string(call.req.param(name).value_or("")), name);
}

std::expected<PageArgs, Problem> page_args(const HttpRequest& req) {
  auto limit = uint_param(req, "limit", kDefaultLimit, 1, queries::kMaxPageSize);
  if (!limit) return std::unexpected(limit.error());
  return PageArgs{static_cast<std::size_t>(*limit), std::string(req.param("cursor").value_or(""))};
}

}  // namespace

void Api::get_readmails(const Call& call, Answer answer) {
  auto fresh = freshness_params(call.req, options_.default_wait, options_.max_wait);
  if (!fresh) return answer(std::unexpected(fresh.error()));
  auto args = page_args(call.req);
  if (!args) return answer(std::unexpected(args.error()));
  // Open mode: without receiver, the latest mail of everyone. With a token: the caller's
  // own mailbox, named or not.
  std::optional<std::string> receiver;
  if (auto p = call.req.param("receiver")) receiver = std::string(*p);
  if (call.caller.authenticated) {
    auto own = own_number(call.caller, call.rule, receiver.value_or(""), "receiver");
    if (!own) return answer(std::unexpected(own.error()));
    receiver = *own;
  }
  after("readmails", fresh->min_position, fresh->wait,
        [this, receiver, a = *args, self = call.req.target, answer = std::move(answer)](bool is_fresh) {
          if (!is_fresh) metrics_.stale_answer();
          auto page = receiver ? engine_.readmails().for_receiver(*receiver, a.limit, a.cursor)
                               : engine_.readmails().latest(a.limit, a.cursor);
          if (!page) return answer(std::unexpected(problem_of(page.error(), kPageFields)));
          const std::string base = receiver ? "/readmails?receiver=" + url_encode(*receiver) : "/readmails";
          answer(json(collection_json("readmails", *page, self, base, a.limit, write_mail), is_fresh));
        });
}

void Api::get_readmails_live(const Call& call, Answer answer) {
  if (draining_) return answer(std::unexpected(problem("shutting_down", "the server is shutting down")));
  auto receiver = own_param(call, "receiver");
  if (!receiver) return answer(std::unexpected(receiver.error()));
  // Resume after Last-Event-ID; otherwise after what the mailbox view shows now, so that
  // a page that opens the feed and then reads /readmails misses no change.
  std::uint64_t after = 0;
  if (auto last = call.req.header("last-event-id")) {
    auto v = position_header("Last-Event-ID", *last);
    if (!v) return answer(std::unexpected(v.error()));
    after = *v;
  } else {
    for (const auto& f : engine_.status().followers)
      if (f.name == "readmails") after = f.position;
  }
  answer_live(call.caller,
              std::make_shared<MailboxFeed>(engine_, *receiver, after,
                                            std::chrono::duration_cast<std::chrono::milliseconds>(options_.sse_keepalive),
                                            post_, [this] { return draining_.load(); }),
              std::move(answer));
}

void Api::get_readmail(const Call& call, Answer answer) {
  auto fresh = freshness_params(call.req, options_.default_wait, options_.max_wait);
  if (!fresh) return answer(std::unexpected(fresh.error()));
  const std::string id(call.params.get("id"));
  // Only its sender and receiver see a message; to anyone else it does not exist.
  const std::optional<std::string> viewer =
      call.caller.authenticated ? std::optional<std::string>(call.caller.subject) : std::nullopt;
  auto respond = [this, id, viewer, answer = std::move(answer)](bool is_fresh) {
    auto mail = engine_.readmails().by_id(id);
    if (!mail) return answer(std::unexpected(problem_of(mail.error())));
    if (*mail && viewer && (*mail)->sender != *viewer && (*mail)->receiver != *viewer) mail->reset();
    if (!*mail) {
      Problem p = problem("not_found", "no message " + id + " in the mailbox");
      if (!is_fresh) p.headers.emplace_back("X-Stale", "true");
      return answer(std::unexpected(std::move(p)));
    }
    app::JsonWriter w;
    write_mail(w, **mail);
    answer(json(w.take(), is_fresh));
  };
  if (fresh->min_position != 0) return after("readmails", fresh->min_position, fresh->wait, std::move(respond));
  // Without min_position, a message the log has but the view not yet (right after the
  // send) is waited for, so that the Location of a 201 always finds the message.
  if (draining_) return respond(false);
  engine_.when_message_visible(id, fresh->wait, [post = post_, respond = std::move(respond)](bool is_fresh) mutable {
    post([respond = std::move(respond), is_fresh] { respond(is_fresh); });
  });
}

void Api::get_unread_count(const Call& call, Answer answer) {
  auto receiver = own_param(call, "receiver");
  if (!receiver) return answer(std::unexpected(receiver.error()));
  auto fresh = freshness_params(call.req, options_.default_wait, options_.max_wait);
  if (!fresh) return answer(std::unexpected(fresh.error()));
  after("readmails", fresh->min_position, fresh->wait,
        [this, who = *receiver, answer = std::move(answer)](bool is_fresh) {
          auto count = engine_.readmails().unread_count(who);
          if (!count) return answer(std::unexpected(problem_of(count.error())));
          app::JsonWriter w;
          w.begin_object().field("receiver", who).field("unread", *count).end_object();
          answer(json(w.take(), is_fresh));
        });
}

void Api::get_sentmails(const Call& call, Answer answer) {
  auto sender = own_param(call, "sender");
  if (!sender) return answer(std::unexpected(sender.error()));
  auto fresh = freshness_params(call.req, options_.default_wait, options_.max_wait);
  if (!fresh) return answer(std::unexpected(fresh.error()));
  auto args = page_args(call.req);
  if (!args) return answer(std::unexpected(args.error()));
  after("sentmails", fresh->min_position, fresh->wait,
        [this, who = *sender, a = *args, self = call.req.target, answer = std::move(answer)](bool is_fresh) {
          if (!is_fresh) metrics_.stale_answer();
          auto page = engine_.sentmails().for_sender(who, a.limit, a.cursor);
          if (!page) return answer(std::unexpected(problem_of(page.error(), kPageFields)));
          const std::string base = "/sentmails?sender=" + url_encode(who);
          answer(json(collection_json("sentmails", *page, self, base, a.limit, write_sent), is_fresh));
        });
}

void Api::get_alarms(const Call& call, Answer answer) {
  auto phone = own_param(call, "phone");
  if (!phone) return answer(std::unexpected(phone.error()));
  auto fresh = freshness_params(call.req, options_.default_wait, options_.max_wait);
  if (!fresh) return answer(std::unexpected(fresh.error()));
  auto args = page_args(call.req);
  if (!args) return answer(std::unexpected(args.error()));
  // The same view under two names: /alarms, and the seed's /alarmLists.
  const std::string collection(call.pattern.substr(1));
  after("alarms", fresh->min_position, fresh->wait,
        [this, who = *phone, a = *args, collection, self = call.req.target, answer = std::move(answer)](bool is_fresh) {
          if (!is_fresh) metrics_.stale_answer();
          auto page = engine_.alarms().for_phone(who, a.limit, a.cursor);
          if (!page) return answer(std::unexpected(problem_of(page.error(), kPageFields)));
          const std::string base = "/" + collection + "?phone=" + url_encode(who);
          answer(json(collection_json(collection, *page, self, base, a.limit, write_alarm), is_fresh));
        });
}

void Api::get_dead_letters(const Call& call, Answer answer) {
  auto args = page_args(call.req);
  if (!args) return answer(std::unexpected(args.error()));
  auto page = engine_.alarms().dead_letters(args->limit, args->cursor);
  if (!page) return answer(std::unexpected(problem_of(page.error(), kPageFields)));
  answer(json(collection_json("deadLetters", *page, call.req.target, "/alarms/dead-letters", args->limit,
                              write_dead_letter),
              true));
}

}  // namespace mailbox::server
