#pragma once
// Counters for /metrics, rendered in Prometheus' text format. Thread-safe.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/engine.h"
#include "server/http_types.h"

namespace mailbox::server {

class Metrics {
 public:
  // One answered request: its route pattern (e.g. "GET /readmails/{id}"), status and time.
  void record_request(std::string_view route, int status, double seconds);
  void connection_opened() { connections_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() { connections_.fetch_sub(1, std::memory_order_relaxed); }
  std::int64_t connections() const { return connections_.load(std::memory_order_relaxed); }
  void connection_refused() { refused_.fetch_add(1, std::memory_order_relaxed); }
  void stale_answer() { stale_.fetch_add(1, std::memory_order_relaxed); }
  void send_rate_limited() { rate_limited_.fetch_add(1, std::memory_order_relaxed); }

  // More lines for /metrics from a component the server does not know (payment gate,
  // alarm webhook). REQUIRES: called before serving; source outlives the Metrics.
  void add_source(std::function<void(std::string& out)> source) { sources_.push_back(std::move(source)); }

  // Every metric: the HTTP ones above and the engine's (log appends, batch sizes, sync
  // time, head; per follower its lag, retries, whether it works, and its counters).
  std::string render(const app::EngineStatus& engine) const;

 private:
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1,    2.5};
  struct Latency {
    std::array<std::uint64_t, kBuckets.size()> buckets{};  // cumulative counts are computed when rendering
    std::uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mutex_;  // guards requests_ and latency_
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::map<std::string, Latency> latency_;
  std::atomic<std::int64_t> connections_{0};
  std::atomic<std::uint64_t> refused_{0}, stale_{0}, rate_limited_{0};
  std::vector<std::function<void(std::string&)>> sources_;
};

// The answer of a listener that serves /metrics alone (--metrics-listen): GET /metrics,
// or 404.
HttpResponse metrics_only(const HttpRequest& req, const Metrics& metrics, const app::EngineStatus& engine);

}  // namespace mailbox::server
