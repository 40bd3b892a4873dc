// GET routes over the log itself: pages of events, one stream, and the live tail.
#include <sstream>

#include "app/event_json.h"
#include "app/json_writer.h"
#include "server/api.h"
#include "server/live_tail.h"
#include "server/request_params.h"
#include "server/url.h"

namespace mailbox::server {

namespace {

constexpr std::uint64_t kMaxLogPage = 1000;
// A page of the log stops past this many bytes of JSON (its next link goes on from
// there): an answer a slow client holds stays small whatever `limit` asks.
constexpr std::size_t kMaxLogPageBytes = 1 << 20;

Resource json(std::string body) { return Resource{Resource::Kind::ok, std::move(body), "application/json", {}, nullptr}; }

}  // namespace

void Api::get_events(const Call& call, Answer answer) {
  auto from = uint_param(call.req, "from", 1, 0, kMaxPosition);
  if (!from) return answer(std::unexpected(from.error()));
  auto limit = uint_param(call.req, "limit", 100, 1, kMaxLogPage);
  if (!limit) return answer(std::unexpected(limit.error()));
  const std::uint64_t start = std::max<std::uint64_t>(*from, 1);
  app::JsonWriter w;
  w.begin_object().key("events").begin_array();
  std::uint64_t last = 0, count = 0;
  bool full = false;  // stopped at kMaxLogPageBytes
  auto scanned = engine_.events().scan(start, *limit, [&](queries::LoggedEvent&& e) {
    w.raw(app::recorded_event_json(e));
    last = e.position;
    ++count;
    full = w.str().size() >= kMaxLogPageBytes;
    return !full;
  });
  if (!scanned) return answer(std::unexpected(problem_of(scanned.error())));
  w.end_array();
  w.field("head", engine_.events().head());
  w.key("_links").begin_object();
  if (count == *limit || (full && last < engine_.events().head())) {
    w.key("next").begin_object();
    w.field("href", "/events?from=" + std::to_string(last + 1) + "&limit=" + std::to_string(*limit)).end_object();
  }
  w.end_object().end_object();
  answer(json(w.take()));
}

void Api::get_stream(const Call& call, Answer answer) {
  auto from = uint_param(call.req, "from_version", 1);
  if (!from) return answer(std::unexpected(from.error()));
  auto limit = uint_param(call.req, "limit", 100, 1, kMaxLogPage);
  if (!limit) return answer(std::unexpected(limit.error()));
  const std::string name(call.params.get("name"));
  auto page = engine_.events().stream(name, *from, *limit);
  if (!page) return answer(std::unexpected(problem_of(page.error())));
  app::JsonWriter w;
  w.begin_object().field("stream", name).field("version", page->version).key("events").begin_array();
  std::uint64_t last_version = 0;
  for (const auto& e : page->events) {
    w.raw(app::recorded_event_json(e));
    last_version = e.version;
    if (w.str().size() >= kMaxLogPageBytes) break;
  }
  w.end_array();
  // More of the stream than this page holds: where to go on.
  if (last_version != 0 && last_version < page->version) {
    w.key("_links").begin_object().key("next").begin_object();
    w.field("href", "/streams/" + url_encode(name) + "?from_version=" + std::to_string(last_version + 1) +
                        "&limit=" + std::to_string(*limit));
    w.end_object().end_object();
  }
  w.end_object();
  answer(json(w.take()));
}

void Api::get_live(const Call& call, Answer answer) {
  if (draining_) return answer(std::unexpected(problem("shutting_down", "the server is shutting down")));
  LiveFilter filter;
  if (auto types = call.req.param("type")) {
    std::stringstream list{std::string(*types)};
    for (std::string t; std::getline(list, t, ',');)
      if (!t.empty()) filter.types.insert(t);
  }
  if (auto stream = call.req.param("stream")) filter.stream = std::string(*stream);
  // Resume after Last-Event-ID; otherwise after ?from= minus one; otherwise from now.
  std::uint64_t after = engine_.events().head();
  if (auto last = call.req.header("last-event-id")) {
    auto v = position_header("Last-Event-ID", *last);
    if (!v) return answer(std::unexpected(v.error()));
    after = *v;
  } else if (call.req.param("from")) {
    auto v = uint_param(call.req, "from", 1, 0, kMaxPosition);
    if (!v) return answer(std::unexpected(v.error()));
    after = std::max<std::uint64_t>(*v, 1) - 1;
  }
  answer_live(call.caller,
              std::make_shared<LiveTail>(engine_, std::move(filter), after,
                                         std::chrono::duration_cast<std::chrono::milliseconds>(options_.sse_keepalive),
                                         post_, [this] { return draining_.load(); }),
              std::move(answer));
}

}  // namespace mailbox::server
