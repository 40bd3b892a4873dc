// mailboxd: the Mailbox service. Opens the data folder, runs the policies and views,
// and serves the HTTP API until SIGINT or SIGTERM, then drains and exits 0.
#include <csignal>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "app/engine.h"
#include "clients/client_metrics.h"
#include "clients/http_payment_gate.h"
#include "clients/webhook_alarm_sink.h"
#include "server/api.h"
#include "server/auth/bearer_authenticator.h"
#include "server/config.h"
#include "server/descriptors.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/socket_activation.h"

using namespace mailbox;
using namespace std::chrono_literals;

namespace {

void log_keys(const server::auth::TokenVerifier& verifier) {
  std::string keys;
  for (const auto& key : verifier.describe_keys()) keys += (keys.empty() ? "" : ", ") + key.id + " (" + key.algorithm + ")";
  spdlog::info("auth: bearer tokens checked against {}", keys);
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = server::parse_config(argc, argv);
  if (auto* exit = std::get_if<server::ConfigExit>(&parsed)) {
    std::fprintf(exit->code == 0 ? stdout : stderr, "%s\n", exit->message.c_str());
    return exit->code;
  }
  auto config = std::get<server::Config>(parsed);
  spdlog::set_level(spdlog::level::from_str(config.log_level));
  // A peer that closes its end must not kill the process: writes to it fail with EPIPE
  // instead (the NATS client writes without MSG_NOSIGNAL).
  std::signal(SIGPIPE, SIG_IGN);
  // Socket activation: a socket passed by systemd (or a parent playing it) stands in for
  // --listen, and outlives this process (see deploy/ and docs/operations.md).
  auto inherited = server::take_inherited_socket();
  if (!inherited) {
    std::fprintf(stderr, "mailboxd: %s\n", inherited.error().message.c_str());
    return 2;
  }
  if (*inherited) {
    config.http.host = (*inherited)->host;
    config.http.port = (*inherited)->port;
    if (auto refused = server::apply_protected_mode(config, "the inherited socket's address " + config.http.host)) {
      std::fprintf(stderr, "%s\n", refused->message.c_str());
      return refused->code;
    }
    spdlog::info("socket activation: serving on the inherited socket (fd {}), {}:{}; --listen is ignored",
                 (*inherited)->fd, config.http.host, config.http.port);
  }

  // Room for every connection and RocksDB's files, or a clear refusal now.
  const std::uint64_t descriptors = server::raise_descriptor_limit();
  const std::size_t metrics_connections = config.metrics_listen ? server::kMetricsConnections : 0;
  const std::uint64_t needed =
      server::descriptors_needed(config.http.max_connections + metrics_connections, config.max_open_files);
  if (needed > descriptors) {
    const std::uint64_t others = needed - config.http.max_connections;
    if (config.max_connections_given || descriptors < others + 16) {
      std::fprintf(stderr,
                   "mailboxd: --max-connections %zu needs about %llu open files (%zu connections, 2 x --max-open-files "
                   "%d for RocksDB, %llu more), but this process may open %llu: lower --max-connections or "
                   "--max-open-files, or raise the limit (ulimit -n, or LimitNOFILE= under systemd)\n",
                   config.http.max_connections, static_cast<unsigned long long>(needed), config.http.max_connections,
                   config.max_open_files, static_cast<unsigned long long>(server::kDescriptorMargin + metrics_connections),
                   static_cast<unsigned long long>(descriptors));
      return 2;
    }
    config.http.max_connections = static_cast<std::size_t>(descriptors - others);
    spdlog::warn("--max-connections lowered to {} to fit the open file limit of {} (ulimit -n)",
                 config.http.max_connections, descriptors);
  }

  // A CA file that cannot be used is refused now, not at the first call that needs it.
  const clients::TlsOptions tls{config.ca_file};
  if (!tls.ca_file.empty())
    if (auto loaded = clients::TlsContext::load(tls); !loaded) {
      std::fprintf(stderr, "mailboxd: --ca-file: %s\n", loaded.error().message.c_str());
      return 2;
    }
  // Key files that are refused stop the start here too, before the data folder is opened.
  std::unique_ptr<server::auth::BearerAuthenticator> authenticator;
  if (config.has_keys()) {
    server::auth::AuthOptions auth;
    auth.hs256_secret_file = config.auth_hs256_secret_file;
    auth.public_keys_file = config.auth_public_keys;
    auth.issuer = config.auth_issuer;
    auth.audience = config.auth_audience;
    auto verifier = server::auth::TokenVerifier::load(auth);
    if (!verifier) {
      std::fprintf(stderr, "mailboxd: %s\n", verifier.error().message.c_str());
      return 2;
    }
    authenticator = std::make_unique<server::auth::BearerAuthenticator>(std::move(*verifier));
    log_keys(authenticator->verifier());
  }
  auto parse_url = [](const char* flag, const std::string& text) {
    auto url = clients::Url::parse(text);
    if (!url)
      std::fprintf(stderr, "mailboxd: %s '%s' is not http://HOST[:PORT][/PATH] or https://HOST[:PORT][/PATH]\n", flag,
                   text.c_str());
    return url;
  };

  app::EngineOptions options;
  options.data_dir = config.data_dir;
  options.store.max_open_files = config.max_open_files;
  options.store.max_pending_events = config.max_pending_appends;
  std::unique_ptr<clients::HttpPaymentGate> payment;
  if (!config.payment_url.empty()) {
    auto url = parse_url("--payment-url", config.payment_url);
    if (!url) return 2;
    clients::PaymentGateOptions gate;
    gate.timeout = config.payment_timeout;
    gate.tls = tls;
    payment = std::make_unique<clients::HttpPaymentGate>(*url, gate);
    options.payment_gate = payment.get();
    spdlog::info("payment: every send is approved by {} first (timeout {} ms)", config.payment_url,
                 config.payment_timeout.count());
  } else {
    spdlog::info("payment: no --payment-url, so every send is approved");
  }
  std::unique_ptr<clients::WebhookAlarmSink> webhook;
  if (!config.alarm_webhook.empty()) {
    auto url = parse_url("--alarm-webhook", config.alarm_webhook);
    if (!url) return 2;
    clients::WebhookOptions sink;
    sink.tls = tls;
    webhook = std::make_unique<clients::WebhookAlarmSink>(*url, sink);
    options.alarm_sink = webhook.get();
    spdlog::info("alarms: delivered to {}", config.alarm_webhook);
  }
  options.replication = config.replication;
  options.events = config.events;
  // A signal, or being fenced with --exit-when-fenced, asks for the one shutdown.
  std::promise<void> stop_requested;
  std::atomic<bool> stop_asked{false};
  int exit_code = 0;
  auto request_stop = [&stop_requested, &stop_asked, &exit_code](int code) {
    if (stop_asked.exchange(true)) return;
    exit_code = code;
    stop_requested.set_value();
  };
  if (config.replication.exit_when_fenced)
    options.on_fenced = [&request_stop](const app::Error&) {
      spdlog::error("fenced, and --exit-when-fenced: shutting down (exit code 3)");
      request_stop(3);
    };
  auto engine = app::Engine::open(options);
  if (!engine) {
    std::fprintf(stderr, "mailboxd: %s\n", engine.error().message.c_str());
    return 1;
  }
  server::Metrics metrics;
  if (payment || webhook)
    metrics.add_source([&](std::string& out) {
      std::vector<clients::ClientStats> stats;
      if (payment) stats.push_back(clients::stats_of(*payment));
      if (webhook) stats.push_back(clients::stats_of(*webhook));
      clients::append_client_metrics(out, stats);
    });
  std::unique_ptr<server::Api> api;
  server::HttpServer http(config.http, [&api](server::HttpRequest req, server::Respond respond) {
    api->handle(std::move(req), std::move(respond));
  }, metrics);
  server::ApiOptions api_options;
  if (authenticator) {
    api_options.authenticator = authenticator.get();
    // SIGHUP: the key files are read again; connections stay open.
    http.on_reload_signal([&authenticator] {
      if (auto s = authenticator->verifier().reload(); !s)
        spdlog::error("SIGHUP: the keys were not reloaded, the old ones stay in use: {}", s.error().message);
      else
        log_keys(authenticator->verifier());
    });
  } else {
    http.on_reload_signal([] { spdlog::info("SIGHUP: no key files to read again (open mode)"); });
  }
  api_options.origins.loopback_hosts_only = !config.has_keys() && !config.insecure_no_auth;
  api_options.origins.public_hosts = config.public_hosts;
  api_options.origins.public_origin = config.public_origin;
  api_options.origins.cors_origins = config.cors_origins;
  api_options.trusted_proxies = config.trusted_proxies;
  api_options.web_dir = config.web_dir;
  api_options.backup_dir = config.backup_dir;
  api_options.max_live_subscribers = config.max_live_subscribers;
  if (config.has_keys() || config.send_limit_given) {
    api_options.send_rate = config.send_rate;
    api_options.send_burst = config.send_burst;
  }
  if (!config.web_dir.empty()) spdlog::info("serving the web page from {}", config.web_dir);
  if (!config.has_keys() && config.insecure_no_auth)
    spdlog::warn("no keys and --insecure-no-auth: any client that reaches {} may send as anyone and read everything",
                 config.http.host);
  else if (!config.has_keys())
    spdlog::warn("no keys: open mode, serving loopback clients only ({}); see README, Beyond loopback",
                 config.http.host);
  api = std::make_unique<server::Api>(**engine, metrics, [&http](std::function<void()> fn) { http.post(std::move(fn)); },
                                      api_options);
  // /metrics alone, without a token, for a scraper on another address.
  std::unique_ptr<server::HttpServer> metrics_http;
  if (config.metrics_listen) {
    metrics_http = std::make_unique<server::HttpServer>(
        *config.metrics_listen,
        [&engine, &metrics](server::HttpRequest req, server::Respond respond) {
          respond(server::metrics_only(req, metrics, (*engine)->status()));
        },
        metrics);
    if (auto s = metrics_http->listen(); !s) {
      std::fprintf(stderr, "mailboxd: --metrics-listen: %s\n", s.error().message.c_str());
      return 1;
    }
    metrics_http->start();
  }
  if (auto s = *inherited ? http.adopt((*inherited)->fd) : http.listen(); !s) {
    std::fprintf(stderr, "mailboxd: %s\n", s.error().message.c_str());
    return 1;
  }
  http.on_shutdown_signal([&request_stop] { request_stop(0); });
  http.start();
  if (auto s = (*engine)->start(); !s) {
    std::fprintf(stderr, "mailboxd: %s\n", s.error().message.c_str());
    http.stop();
    return 1;
  }
  const std::uint64_t head = (*engine)->events().head();
  spdlog::info("mailboxd listening on http://{}:{} (data in {}, log head {})", config.http.host, http.port(),
               config.data_dir, head);

  // Ready once the views that gate readiness have caught up with the log as it was at
  // start (a wait cancelled by a shutdown leaves it unready).
  api->become_ready_when_caught_up(
      [](std::uint64_t caught_up) { spdlog::info("ready: the views caught up with position {}", caught_up); });

  stop_requested.get_future().wait();
  // Everything below ends by the deadline; should anything hang past it, the process
  // exits anyway (what was acknowledged is on disk, as after a crash).
  const auto deadline = std::chrono::steady_clock::now() + config.drain_timeout;
  std::mutex watchdog_mutex;
  std::condition_variable watchdog_cv;
  bool shut_down = false;  // guarded by watchdog_mutex
  std::thread watchdog([&] {
    std::unique_lock lock(watchdog_mutex);
    if (watchdog_cv.wait_until(lock, deadline, [&] { return shut_down; })) return;
    spdlog::error("shutdown took longer than --drain-timeout-ms; exiting now");
    spdlog::shutdown();
    std::_Exit(1);
  });
  spdlog::info("shutting down: draining connections (at most {} ms)", config.drain_timeout.count());
  api->drain();
  // What still waits on another service is answered at once (payment: unavailable, so
  // its request is answered; alarms: retry, so the alarm policy stops without waiting
  // for its batch); a call in progress ends within its own timeout, in the background.
  if (payment) payment->cancel();
  if (webhook) webhook->cancel();
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  if (!http.drain(left * 3 / 4)) spdlog::warn("some connections did not close in time");
  (*engine)->stop();
  http.stop();
  if (metrics_http) metrics_http->stop();
  api.reset();
  payment.reset();  // its last answers may still reach the engine
  engine->reset();
  webhook.reset();
  {
    std::lock_guard lock(watchdog_mutex);
    shut_down = true;
  }
  watchdog_cv.notify_one();
  watchdog.join();
  spdlog::info("stopped");
  return exit_code;
}
