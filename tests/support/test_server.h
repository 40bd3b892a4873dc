#pragma once
// A real mailbox HTTP server in the test process, on an ephemeral loopback port, over a
// temp data folder, with an alarm sink the test controls.

#include <memory>

#include "app/engine.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "tests/support/recording_sink.h"
#include "tests/support/temp_dir.h"

namespace mailbox::testing {

class TestServer {
 public:
  // env: the file system the databases write through (null: the real one).
  // api_options: the API's (keys, Host and Origin rules); the defaults are open mode.
  explicit TestServer(server::ServerOptions http = {}, commands::PaymentGate* payment = nullptr,
                      commands::AlarmSink* alarms = nullptr, rocksdb::Env* env = nullptr,
                      server::ApiOptions api_options = {}) {
    app::EngineOptions options;
    options.store.env = env;
    options.data_dir = dir.str();
    options.alarm_sink = alarms ? alarms : &sink;
    options.payment_gate = payment;
    options.policies.first_retry = std::chrono::milliseconds(5);
    engine = std::move(app::Engine::open(options).value());
    http.host = "127.0.0.1";
    http.port = 0;
    server = std::make_unique<server::HttpServer>(
        http, [this](server::HttpRequest req, server::Respond r) { api->handle(std::move(req), std::move(r)); },
        metrics);
    api = std::make_unique<server::Api>(
        *engine, metrics, [this](std::function<void()> fn) { server->post(std::move(fn)); }, api_options);
    if (!server->listen()) throw std::runtime_error("listen failed");
    server->start();
    if (!engine->start()) throw std::runtime_error("engine start failed");
    api->set_ready(true);
  }
  ~TestServer() {
    api->drain();
    server->drain(std::chrono::seconds(2));
    engine->stop();
    server->stop();
  }
  std::uint16_t port() const { return server->port(); }

  TempDir dir;
  RecordingSink sink;
  std::unique_ptr<app::Engine> engine;
  server::Metrics metrics;
  std::unique_ptr<server::HttpServer> server;
  std::unique_ptr<server::Api> api;
};

}  // namespace mailbox::testing
