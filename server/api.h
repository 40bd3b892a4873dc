#pragma once
// The HTTP API as a plain function of request to response: routing, reading the
// request, calling app/, and encoding the answer. No domain rule lives here, and
// nothing of sockets: the transport hands requests in and takes responses out.

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <thread>
#include <string_view>

#include "app/engine.h"
#include "server/http_types.h"
#include "server/metrics.h"
#include "server/position_waiters.h"

namespace mailbox::server {

struct ApiOptions {
  std::chrono::milliseconds default_wait{1000};  // read-your-writes wait when wait_ms is absent
  std::chrono::milliseconds max_wait{10000};     // wait_ms is capped here
  std::chrono::seconds sse_keepalive{15};        // comment line on an idle live tail
};

class Api {
 public:
  // Runs a continuation on an I/O thread (never on the log's writer or a worker).
  using Post = std::function<void(std::function<void()>)>;

  // REQUIRES: engine and metrics outlive the Api.
  Api(app::Engine& engine, Metrics& metrics, Post post, ApiOptions options = {});
  ~Api();

  // Answers one request; respond runs exactly once, on any thread.
  void handle(HttpRequest request, Respond respond);

  // Readiness: false until set_ready(true), and again once draining begins.
  void set_ready(bool ready) { ready_ = ready; }
  bool ready() const { return ready_ && !draining_; }
  // Stops waits and live tails so that the server can close: pending read-your-writes
  // waits answer with what the views have, live tails end.
  void drain();
  bool draining() const { return draining_; }

 private:
  struct Route;
  // Command routes (command_routes.cc)
  void post_mobiles(const HttpRequest& req, Respond respond);
  void post_mark_read(const HttpRequest& req, std::string id, Respond respond);
  void post_redrive(const HttpRequest& req, std::string alarm_id, Respond respond);
  // Query routes (query_routes.cc)
  void get_readmails(const HttpRequest& req, Respond respond);
  void get_readmail(const HttpRequest& req, std::string id, Respond respond);
  void get_unread_count(const HttpRequest& req, Respond respond);
  void get_alarms(const HttpRequest& req, std::string_view collection, Respond respond);
  void get_dead_letters(const HttpRequest& req, Respond respond);
  void get_events(const HttpRequest& req, Respond respond);
  void get_stream(const HttpRequest& req, std::string name, Respond respond);
  void get_live(const HttpRequest& req, Respond respond);
  // Operations (ops_routes.cc)
  void post_rebuild(const HttpRequest& req, Respond respond);
  void get_health(Respond respond);
  void get_ready(Respond respond);
  void get_metrics(Respond respond);

  // Read your writes: runs then(fresh) on an I/O thread once the view named by `view`
  // ("readmails" or "alarms") reflects min_position and what it caused, or when the
  // request's wait is over (fresh = false). Without min_position it runs at once.
  enum class View { readmails, alarms };
  void after(View view, std::uint64_t min_position, std::chrono::milliseconds wait,
             std::function<void(bool fresh)> then);

  app::Engine& engine_;
  Metrics& metrics_;
  Post post_;
  const ApiOptions options_;
  PositionWaiters waiters_;
  std::atomic<bool> ready_{false}, draining_{false};
  // Online rebuilds run here, one at a time, never on an I/O thread.
  std::mutex rebuild_mutex_;
  std::thread rebuild_thread_;
  bool rebuilding_ = false;  // guarded by rebuild_mutex_
};

}  // namespace mailbox::server
