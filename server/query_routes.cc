// GET routes over the views and the log.
#include "app/event_json.h"
#include "app/json_writer.h"
#include "server/api.h"
#include "server/problem.h"
#include "server/request_params.h"
#include "server/resource_json.h"

namespace mailbox::server {

namespace {

constexpr std::uint64_t kDefaultLimit = 20;

HttpResponse json(std::string body, bool fresh) {
  HttpResponse r;
  r.body = std::move(body);
  if (!fresh) r.headers.emplace_back("X-Stale", "true");
  return r;
}

// Copies what a deferred query needs from the request.
struct PageArgs {
  std::size_t limit = kDefaultLimit;
  std::string cursor;
};

std::variant<PageArgs, HttpResponse> page_args(const HttpRequest& req) {
  PageArgs a;
  auto limit = uint_param(req, "limit", kDefaultLimit);
  if (auto* r = std::get_if<HttpResponse>(&limit)) return std::move(*r);
  a.limit = static_cast<std::size_t>(std::min<std::uint64_t>(std::get<std::uint64_t>(limit), 1u << 20));
  if (auto c = req.param("cursor")) a.cursor = std::string(*c);
  return a;
}

}  // namespace

void Api::get_readmails(const HttpRequest& req, Respond respond) {
  auto fresh = freshness_params(req, options_.default_wait, options_.max_wait);
  if (auto* r = std::get_if<HttpResponse>(&fresh)) return respond(std::move(*r));
  auto args = page_args(req);
  if (auto* r = std::get_if<HttpResponse>(&args)) return respond(std::move(*r));
  std::optional<std::string> receiver;
  if (auto p = req.param("receiver")) receiver = std::string(*p);
  const std::string self = req.target;
  const auto f = std::get<Freshness>(fresh);
  after(View::readmails, f.min_position, f.wait,
        [this, receiver, a = std::get<PageArgs>(args), self, respond = std::move(respond)](bool is_fresh) {
          if (!is_fresh) metrics_.stale_answer();
          auto page = receiver ? engine_.readmails().for_receiver(*receiver, a.limit, a.cursor)
                               : engine_.readmails().latest(a.limit, a.cursor);
          if (!page) return respond(problem(page.error()));
          const std::string base = receiver ? "/readmails?receiver=" + url_encode(*receiver) : "/readmails";
          respond(json(collection_json("readmails", *page, self, base, a.limit, write_mail), is_fresh));
        });
}

void Api::get_readmail(const HttpRequest& req, std::string id, Respond respond) {
  auto fresh = freshness_params(req, options_.default_wait, options_.max_wait);
  if (auto* r = std::get_if<HttpResponse>(&fresh)) return respond(std::move(*r));
  auto f = std::get<Freshness>(fresh);
  auto answer = [this, id](bool is_fresh, const Respond& respond) {
    auto mail = engine_.readmails().by_id(id);
    if (!mail) return respond(problem(mail.error()));
    if (!*mail) {
      HttpResponse r = problem(404, "no message " + id + " in the mailbox");
      if (!is_fresh) r.headers.emplace_back("X-Stale", "true");
      return respond(std::move(r));
    }
    app::JsonWriter w;
    write_mail(w, **mail);
    respond(json(w.take(), is_fresh));
  };
  if (f.min_position == 0) {
    // A message the log has but the view does not yet (right after the send): wait for
    // it as for min_position, so that the Location of a 201 always finds the message.
    if (auto mail = engine_.readmails().by_id(id); mail && !*mail && id.size() <= 200) {
      auto events = engine_.log().read_stream(app::message_stream(id), 1, 1);
      if (events && !events->empty()) f.min_position = events->front().position;
    }
  }
  after(View::readmails, f.min_position, f.wait,
        [answer, respond = std::move(respond)](bool is_fresh) { answer(is_fresh, respond); });
}

void Api::get_unread_count(const HttpRequest& req, Respond respond) {
  auto receiver = required_param(req, "receiver");
  if (auto* r = std::get_if<HttpResponse>(&receiver)) return respond(std::move(*r));
  auto fresh = freshness_params(req, options_.default_wait, options_.max_wait);
  if (auto* r = std::get_if<HttpResponse>(&fresh)) return respond(std::move(*r));
  const auto f = std::get<Freshness>(fresh);
  after(View::readmails, f.min_position, f.wait,
        [this, who = std::string(std::get<std::string_view>(receiver)), respond = std::move(respond)](bool is_fresh) {
          auto count = engine_.readmails().unread_count(who);
          if (!count) return respond(problem(count.error()));
          app::JsonWriter w;
          w.begin_object().field("receiver", who).field("unread", *count).end_object();
          respond(json(w.take(), is_fresh));
        });
}

void Api::get_alarms(const HttpRequest& req, std::string_view collection, Respond respond) {
  auto phone = required_param(req, "phone");
  if (auto* r = std::get_if<HttpResponse>(&phone)) return respond(std::move(*r));
  auto fresh = freshness_params(req, options_.default_wait, options_.max_wait);
  if (auto* r = std::get_if<HttpResponse>(&fresh)) return respond(std::move(*r));
  auto args = page_args(req);
  if (auto* r = std::get_if<HttpResponse>(&args)) return respond(std::move(*r));
  const auto f = std::get<Freshness>(fresh);
  after(View::alarms, f.min_position, f.wait,
        [this, who = std::string(std::get<std::string_view>(phone)), a = std::get<PageArgs>(args),
         name = std::string(collection), self = req.target, respond = std::move(respond)](bool is_fresh) {
          if (!is_fresh) metrics_.stale_answer();
          auto page = engine_.alarms().for_phone(who, a.limit, a.cursor);
          if (!page) return respond(problem(page.error()));
          const std::string base = "/" + name + "?phone=" + url_encode(who);
          respond(json(collection_json(name, *page, self, base, a.limit, write_alarm), is_fresh));
        });
}

void Api::get_dead_letters(const HttpRequest& req, Respond respond) {
  auto args = page_args(req);
  if (auto* r = std::get_if<HttpResponse>(&args)) return respond(std::move(*r));
  const auto a = std::get<PageArgs>(args);
  auto page = engine_.alarms().dead_letters(a.limit, a.cursor);
  if (!page) return respond(problem(page.error()));
  respond(json(collection_json("deadLetters", *page, req.target, "/alarms/dead-letters", a.limit,
                               [](app::JsonWriter& w, const queries::DeadLetterRow& d) {
                                 w.begin_object().field("alarmId", d.alarm.alarm_id).field("messageId", d.alarm.message_id);
                                 w.field("phone", d.alarm.phone).field("kind", d.alarm.kind);
                                 w.field("channel", d.alarm.channel).field("reason", d.reason);
                                 w.field("attempts", d.attempts).field("deadLetteredAt", app::rfc3339(d.alarm.alarmed_at_us));
                                 w.key("_links").begin_object().key("redrive").begin_object();
                                 w.field("href", "/alarms/dead-letters/" + url_encode(d.alarm.alarm_id) +
                                                     "/redrive?messageId=" + url_encode(d.alarm.message_id));
                                 w.end_object().end_object().end_object();
                               }),
               true));
}

void Api::get_events(const HttpRequest& req, Respond respond) {
  auto from = uint_param(req, "from", 1);
  if (auto* r = std::get_if<HttpResponse>(&from)) return respond(std::move(*r));
  auto limit = uint_param(req, "limit", 100);
  if (auto* r = std::get_if<HttpResponse>(&limit)) return respond(std::move(*r));
  const std::uint64_t n = std::get<std::uint64_t>(limit);
  if (n < 1 || n > 1000) return respond(problem(422, "limit: must be between 1 and 1000", "limit"));
  const std::uint64_t start = std::max<std::uint64_t>(std::get<std::uint64_t>(from), 1);
  app::JsonWriter w;
  w.begin_object().key("events").begin_array();
  std::uint64_t last = 0, count = 0;
  auto scanned = engine_.log().scan_log(start, n, [&](eventstore::RecordedEvent&& e) {
    w.raw(app::recorded_event_json(e));
    last = e.position;
    ++count;
    return true;
  });
  if (!scanned) return respond(problem(scanned.error()));
  w.end_array();
  w.field("head", engine_.log().head());
  w.key("_links").begin_object();
  if (count == n) {
    w.key("next").begin_object();
    w.field("href", "/events?from=" + std::to_string(last + 1) + "&limit=" + std::to_string(n)).end_object();
  }
  w.end_object().end_object();
  respond(json(w.take(), true));
}

void Api::get_stream(const HttpRequest& req, std::string name, Respond respond) {
  auto from = uint_param(req, "from_version", 1);
  if (auto* r = std::get_if<HttpResponse>(&from)) return respond(std::move(*r));
  auto limit = uint_param(req, "limit", 100);
  if (auto* r = std::get_if<HttpResponse>(&limit)) return respond(std::move(*r));
  const std::uint64_t n = std::get<std::uint64_t>(limit);
  if (n < 1 || n > 1000) return respond(problem(422, "limit: must be between 1 and 1000", "limit"));
  auto version = engine_.log().stream_version(name);
  if (!version) return respond(problem(version.error()));
  if (*version == 0) return respond(problem(404, "no stream " + name));
  auto events = engine_.log().read_stream(name, std::get<std::uint64_t>(from), n);
  if (!events) return respond(problem(events.error()));
  app::JsonWriter w;
  w.begin_object().field("stream", name).field("version", *version).key("events").begin_array();
  for (const auto& e : *events) w.raw(app::recorded_event_json(e));
  w.end_array().end_object();
  respond(json(w.take(), true));
}

}  // namespace mailbox::server
