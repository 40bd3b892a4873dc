#include "server/metrics.h"

#include "server/reply.h"

#include <cstdio>


namespace mailbox::server {

void Metrics::record_request(std::string_view route, int status, double seconds) {
  std::lock_guard lock(mutex_);
  ++requests_[{std::string(route), status}];
  auto& l = latency_[std::string(route)];
  for (std::size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) {
      ++l.buckets[i];
      break;
    }
  ++l.count;
  l.sum += seconds;
}

namespace {

// Appends one formatted line, whole whatever its length.
void line(std::string& out, const char* fmt, auto... args) {
  const int n = std::snprintf(nullptr, 0, fmt, args...);
  if (n <= 0) return;
  const std::size_t at = out.size();
  out.resize(at + static_cast<std::size_t>(n) + 1);
  std::snprintf(out.data() + at, static_cast<std::size_t>(n) + 1, fmt, args...);
  out.resize(at + static_cast<std::size_t>(n));
}

void help(std::string& out, const char* name, const char* type, const char* text) {
  line(out, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

// The shipper's (writer) or the replica's numbers.
void render_replication(std::string& out, const replication::ReplicationStatus& r) {
  const char* role = r.role == replication::Role::replica ? "replica" : "writer";
  auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  help(out, "mailbox_replication_connected", "gauge", "Whether the NATS connection is up.");
  line(out, "mailbox_replication_connected{role=\"%s\"} %d\n", role, r.connected ? 1 : 0);
  help(out, "mailbox_replication_position", "gauge",
       "Writer: the last position JetStream acknowledged. Replica: the last position copied.");
  line(out, "mailbox_replication_position{role=\"%s\"} %llu\n", role, u(r.position));
  help(out, "mailbox_replication_lag_events", "gauge",
       "Writer: events committed and not yet acknowledged by JetStream. Replica: events in the stream not yet copied.");
  line(out, "mailbox_replication_lag_events{role=\"%s\"} %llu\n", role, u(r.lag_events));
  help(out, "mailbox_replication_lag_seconds", "gauge",
       "Writer: age of the oldest event not yet shipped. Replica, while behind: age of the last event copied.");
  line(out, "mailbox_replication_lag_seconds{role=\"%s\"} %.3f\n", role, r.lag_seconds);
  help(out, "mailbox_replication_messages_total", "counter", "Stream messages published (writer) or copied (replica).");
  line(out, "mailbox_replication_messages_total{role=\"%s\"} %llu\n", role, u(r.messages));
  help(out, "mailbox_replication_events_total", "counter", "Events in those messages.");
  line(out, "mailbox_replication_events_total{role=\"%s\"} %llu\n", role, u(r.events));
  help(out, "mailbox_replication_errors_total", "counter", "Failed publishes, reads or copies (each retried).");
  line(out, "mailbox_replication_errors_total{role=\"%s\"} %llu\n", role, u(r.errors));
  help(out, "mailbox_replication_epoch", "gauge", "The writer epoch in force.");
  line(out, "mailbox_replication_epoch{role=\"%s\"} %llu\n", role, u(r.epoch));
  help(out, "mailbox_replication_fenced", "gauge", "1 when another writer has taken over the stream.");
  line(out, "mailbox_replication_fenced{role=\"%s\"} %d\n", role, r.fenced ? 1 : 0);
  help(out, "mailbox_replication_cut_events", "gauge",
       "Replica: events cut from its log at start because the stream never took them (a fenced writer's tail).");
  line(out, "mailbox_replication_cut_events{role=\"%s\"} %llu\n", role, u(r.cut_events));
  help(out, "mailbox_replication_cut_sends", "gauge",
       "Replica: sends among them (lost, if they were acknowledged in async mode; their message ids are in the log).");
  line(out, "mailbox_replication_cut_sends{role=\"%s\"} %llu\n", role, u(r.cut_sends));
}

// The events' publisher (--publish-events).
void render_events(std::string& out, const publisher::PublisherStatus& e) {
  auto u = [](std::uint64_t v) { return static_cast<unsigned long long>(v); };
  help(out, "mailbox_events_connected", "gauge", "Whether the events publisher's NATS connection is up.");
  line(out, "mailbox_events_connected %d\n", e.connected ? 1 : 0);
  help(out, "mailbox_events_position", "gauge", "Every event up to this position is in the events stream.");
  line(out, "mailbox_events_position %llu\n", u(e.position));
  help(out, "mailbox_events_lag_events", "gauge", "Events in the log not yet published for other services.");
  line(out, "mailbox_events_lag_events %llu\n", u(e.lag_events));
  help(out, "mailbox_events_lag_seconds", "gauge", "Age of the oldest event not yet published.");
  line(out, "mailbox_events_lag_seconds %.3f\n", e.lag_seconds);
  help(out, "mailbox_events_published_total", "counter", "Events published since start.");
  line(out, "mailbox_events_published_total %llu\n", u(e.published));
  help(out, "mailbox_events_errors_total", "counter", "Failed publishes or reads of the events stream (each retried).");
  line(out, "mailbox_events_errors_total %llu\n", u(e.errors));
}

}  // namespace

std::string Metrics::render(const app::EngineStatus& engine) const {
  std::string out;
  {
    std::lock_guard lock(mutex_);
    help(out, "mailbox_http_requests_total", "counter", "HTTP requests answered, by route and status.");
    for (const auto& [key, n] : requests_)
      line(out, "mailbox_http_requests_total{route=\"%s\",status=\"%d\"} %llu\n", key.first.c_str(), key.second,
           static_cast<unsigned long long>(n));
    help(out, "mailbox_http_request_duration_seconds", "histogram", "Time from request read to response, by route.");
    for (const auto& [route, l] : latency_) {
      std::uint64_t cumulative = 0;
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        cumulative += l.buckets[i];
        line(out, "mailbox_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n", route.c_str(),
             kBuckets[i], static_cast<unsigned long long>(cumulative));
      }
      line(out, "mailbox_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n", route.c_str(),
           static_cast<unsigned long long>(l.count));
      line(out, "mailbox_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", route.c_str(), l.sum);
      line(out, "mailbox_http_request_duration_seconds_count{route=\"%s\"} %llu\n", route.c_str(),
           static_cast<unsigned long long>(l.count));
    }
  }
  help(out, "mailbox_http_connections", "gauge", "Open HTTP connections.");
  line(out, "mailbox_http_connections %lld\n", static_cast<long long>(connections()));
  help(out, "mailbox_http_connections_refused_total", "counter", "Connections refused at the connection limit.");
  line(out, "mailbox_http_connections_refused_total %llu\n", static_cast<unsigned long long>(refused_.load()));
  help(out, "mailbox_sends_rate_limited_total", "counter", "Sends refused with 429: over the sender's rate.");
  line(out, "mailbox_sends_rate_limited_total %llu\n", static_cast<unsigned long long>(rate_limited_.load()));
  help(out, "mailbox_stale_answers_total", "counter", "Queries answered with X-Stale: true.");
  line(out, "mailbox_stale_answers_total %llu\n", static_cast<unsigned long long>(stale_.load()));

  const auto& stats = engine.writer;
  const std::uint64_t head = engine.head;
  help(out, "mailbox_log_head_position", "gauge", "Last durable position of the log.");
  line(out, "mailbox_log_head_position %llu\n", static_cast<unsigned long long>(head));
  help(out, "mailbox_log_appended_events_total", "counter", "Events appended since start.");
  line(out, "mailbox_log_appended_events_total %llu\n", static_cast<unsigned long long>(stats.events));
  help(out, "mailbox_log_batches_total", "counter", "Synced group-commit batches since start.");
  line(out, "mailbox_log_batches_total %llu\n", static_cast<unsigned long long>(stats.batches));
  help(out, "mailbox_log_transactions_total", "counter", "Append transactions committed since start.");
  line(out, "mailbox_log_transactions_total %llu\n", static_cast<unsigned long long>(stats.transactions));
  help(out, "mailbox_log_sync_seconds_total", "counter", "Time spent in synced writes (fsync included).");
  line(out, "mailbox_log_sync_seconds_total %.6f\n", static_cast<double>(stats.write_micros) / 1e6);
  help(out, "mailbox_log_id_lookups_total", "counter",
       "Reads of the log's event id index before appending: a supplied id not met earlier in the same commit "
       "round, and its legacy id when that is not found; none for what a policy derives from events appended "
       "since it began to lead.");
  line(out, "mailbox_log_id_lookups_total %llu\n", static_cast<unsigned long long>(stats.id_lookups));

  help(out, "mailbox_payments_orphaned_total", "counter",
       "Payments approved for sends that could not be stored (logged, to be voided by hand).");
  line(out, "mailbox_payments_orphaned_total %llu\n", static_cast<unsigned long long>(engine.payments_orphaned));

  // One gauge per component: 1 while it works, 0 while it is failed or stuck.
  help(out, "mailbox_component_up", "gauge", "Whether a component works (the log, each policy and view).");
  line(out, "mailbox_component_up{component=\"log\"} %d\n", engine.log_failure ? 0 : 1);
  for (const auto& f : engine.followers)
    line(out, "mailbox_component_up{component=\"%s\"} %d\n", f.name.c_str(), f.error ? 0 : 1);
  help(out, "mailbox_follower_lag_events", "gauge", "Events between the log head and a policy or view.");
  for (const auto& f : engine.followers)
    line(out, "mailbox_follower_lag_events{follower=\"%s\"} %llu\n", f.name.c_str(),
         static_cast<unsigned long long>(head > f.position ? head - f.position : 0));
  help(out, "mailbox_follower_retries_total", "counter", "Times a policy or view tried again after a failure.");
  for (const auto& f : engine.followers)
    line(out, "mailbox_follower_retries_total{follower=\"%s\"} %llu\n", f.name.c_str(),
         static_cast<unsigned long long>(f.retries));
  for (const auto& f : engine.followers)
    for (const auto& c : f.counters) {
      const std::string name = "mailbox_" + std::string(c.name);
      help(out, name.c_str(), "counter", std::string(c.help).c_str());
      line(out, "%s %llu\n", name.c_str(), static_cast<unsigned long long>(c.value));
    }
  if (engine.replication) render_replication(out, *engine.replication);
  if (engine.events) render_events(out, *engine.events);
  for (const auto& source : sources_) source(out);
  return out;
}

HttpResponse metrics_only(const HttpRequest& req, const Metrics& metrics, const app::EngineStatus& engine) {
  if (req.method == "GET" && req.path == "/metrics")
    return to_http(Resource{Resource::Kind::ok, metrics.render(engine), "text/plain; version=0.0.4", {}, nullptr});
  return to_http(std::unexpected(problem("not_found", "this listener serves GET /metrics only")));
}

}  // namespace mailbox::server
