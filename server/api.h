#pragma once
// The HTTP API as a plain function of request to response: routing (the table in
// routes.cc), reading the request, calling the app's Engine, and encoding the answer.
// No domain rule lives here, and nothing of sockets: the transport hands requests in
// and takes responses out.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

#include "app/engine.h"
#include "server/access.h"
#include "server/authenticator.h"
#include "server/client_address.h"
#include "server/origin_policy.h"
#include "server/http_types.h"
#include "server/live_subscribers.h"
#include "server/metrics.h"
#include "server/reply.h"
#include "server/router.h"
#include "server/send_limiter.h"
#include "server/solo_job.h"
#include "server/static_files.h"

namespace mailbox::server {

struct ApiOptions {
  std::chrono::milliseconds default_wait{1000};  // read-your-writes wait when wait_ms is absent
  std::chrono::milliseconds max_wait{10000};     // wait_ms is capped here
  std::chrono::seconds sse_keepalive{15};        // comment line on an idle live tail
  std::size_t max_live_subscribers = 1024;       // live streams at once (LiveSubscribers)
  // Sends per principal and second, and the burst allowed (SendLimiter); 0: no limit.
  double send_rate = 0, send_burst = 200;
  // Checks bearer tokens; null: open mode (every rule lets a caller through; mailboxd
  // then serves loopback clients only). REQUIRES: outlives the Api.
  const Authenticator* authenticator = nullptr;
  OriginPolicy origins;                // Host and Origin checks, CORS
  std::vector<Cidr> trusted_proxies;   // peers whose X-Forwarded-For is believed
  // The web page's files are read from here at each request; empty: the ones built in.
  std::filesystem::path web_dir;
  // POST /admin/backup writes backups here; empty: that route answers 404.
  std::filesystem::path backup_dir;
};

class Api {
 public:
  // Runs a continuation on an I/O thread (never on the log's writer or a worker).
  using Post = std::function<void(std::function<void()>)>;

  // REQUIRES: engine and metrics outlive the Api.
  Api(app::Engine& engine, Metrics& metrics, Post post, ApiOptions options = {});
  ~Api() = default;  // waits for a rebuild or backup in progress to answer

  // Answers one request; respond runs exactly once, on any thread.
  void handle(HttpRequest request, Respond respond);

  // Readiness: false until set_ready(true), and again once draining begins.
  void set_ready(bool ready) { ready_ = ready; }
  // Becomes ready once the views that gate readiness show the log's head as of now
  // (it was opened and is catching up); on_ready, if set, then runs on an I/O thread.
  // A shutdown before then leaves it unready.
  void become_ready_when_caught_up(std::function<void(std::uint64_t head)> on_ready = {});
  bool ready() const { return ready_ && !draining_; }
  // Shutting down: pending and later read-your-writes waits answer with what the views
  // have, live tails end, new live tails and rebuilds are refused.
  void drain();
  bool draining() const { return draining_; }

  // What a handler is given: the request, its path parameters, the route's pattern and
  // rule, and who calls.
  struct Call {
    const HttpRequest& req;
    const PathParams& params;
    std::string_view pattern;
    Rule rule;
    const Caller& caller;
  };
  using Handler = void (Api::*)(const Call& call, Answer answer);
  // Whether a route appends to the log: a read replica answers those with 421.
  enum class Writes { nothing, log };
  struct Route {
    // Every field is required: a route without a rule does not compile.
    constexpr Route(std::string_view m, std::string_view p, Handler h, Rule r, Writes w = Writes::nothing)
        : method(m), pattern(p), handler(h), rule(r), writes(w) {}
    std::string_view method;
    std::string_view pattern;
    Handler handler;
    Rule rule;  // who may call it (access.h)
    Writes writes;
  };
  // Every route: the table in routes.cc.
  static const std::vector<Route>& routes();
  // What the table says of a method and a (decoded) path: the route and its path
  // parameters, or none; and the methods of the routes whose pattern matches the path
  // (what a 405's Allow lists; empty: a 404). Thread-safe.
  struct Match {
    const Route* route = nullptr;
    PathParams params;
    std::string allow;
  };
  static Match match(std::string_view method, std::string_view path);
  // The problem for a request no route takes (REQUIRES: !match.route): 404 when no
  // pattern matches its path, 405 with Allow otherwise.
  static Problem unrouted(const HttpRequest& req, const Match& match);

 private:
  // Commands (command_routes.cc)
  void post_mobiles(const Call& call, Answer answer);
  void post_mark_read(const Call& call, Answer answer);
  void post_redrive(const Call& call, Answer answer);
  // Queries over the views (query_routes.cc)
  void get_readmails(const Call& call, Answer answer);
  void get_readmails_live(const Call& call, Answer answer);
  void get_readmail(const Call& call, Answer answer);
  void get_unread_count(const Call& call, Answer answer);
  void get_sentmails(const Call& call, Answer answer);
  void get_alarms(const Call& call, Answer answer);
  void get_dead_letters(const Call& call, Answer answer);
  // The log (log_routes.cc)
  void get_events(const Call& call, Answer answer);
  void get_stream(const Call& call, Answer answer);
  void get_live(const Call& call, Answer answer);
  // Operations (ops_routes.cc)
  void post_rebuild(const Call& call, Answer answer);
  void post_backup(const Call& call, Answer answer);
  void post_promote(const Call& call, Answer answer);
  void get_health(const Call& call, Answer answer);
  void get_ready(const Call& call, Answer answer);
  void get_metrics(const Call& call, Answer answer);
  void get_openapi(const Call& call, Answer answer);
  // The web page (page_routes.cc)
  void get_page(const Call& call, Answer answer);
  void get_asset(const Call& call, Answer answer);
  void get_whoami(const Call& call, Answer answer);
  void serve_file(const HttpRequest& req, std::string_view name, Answer answer);

  // Read your writes: runs then(fresh) on an I/O thread once `view` shows min_position
  // and what it caused, or when the wait is over (fresh = false). Without min_position
  // it runs at once.
  void after(std::string_view view, std::uint64_t min_position, std::chrono::milliseconds wait,
             std::function<void(bool fresh)> then);
  // Answers a live stream, if the bound on live streams lets the caller open one more.
  void answer_live(const Caller& caller, std::shared_ptr<ChunkStream> stream, Answer answer);
  // Wraps a completion so that it runs on an I/O thread: the engine's thread that
  // completes a command (the log's writer, for a send) only hands the result over, and
  // the answer's JSON is made on the I/O thread.
  template <typename R>
  std::function<void(R)> on_io(std::function<void(R)> then) const {
    return [post = post_, then = std::move(then)](R r) mutable {
      post([then = std::move(then), r = std::move(r)]() mutable { then(std::move(r)); });
    };
  }
  // Who calls: the token's identity when the route needs one (a problem when it is
  // missing or refused, or lacks the route's scope), the client's address.
  std::expected<Caller, Problem> identify(const HttpRequest& req, Rule rule) const;
  // 421 read_replica, with the writer's URL from the latest writer epoch.
  Problem read_replica_problem() const;

  app::Engine& engine_;
  Metrics& metrics_;
  Post post_;
  const ApiOptions options_;
  const StaticFiles web_;
  LiveSubscribers live_;
  SendLimiter send_limiter_;
  std::atomic<bool> ready_{false}, draining_{false};
  // Online rebuilds and backups: each kind one at a time, never on an I/O thread.
  // Declared last: destroyed first, waiting for a job in progress to answer.
  SoloJob rebuild_job_, backup_job_, promote_job_;
};

}  // namespace mailbox::server
