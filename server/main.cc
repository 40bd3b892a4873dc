// mailboxd: the Mailbox service. Opens the data folder, runs the policies and views,
// and serves the HTTP API until SIGINT or SIGTERM, then drains and exits 0.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdio>
#include <future>
#include <thread>

#include "app/engine.h"
#include "clients/http_payment_gate.h"
#include "server/api.h"
#include "server/config.h"
#include "server/http_server.h"
#include "server/metrics.h"

using namespace mailbox;
using namespace std::chrono_literals;

int main(int argc, char** argv) {
  auto parsed = server::parse_config(argc, argv);
  if (auto* exit = std::get_if<server::ConfigExit>(&parsed)) {
    std::fprintf(exit->code == 0 ? stdout : stderr, "%s\n", exit->message.c_str());
    return exit->code;
  }
  const auto config = std::get<server::Config>(parsed);
  spdlog::set_level(spdlog::level::from_str(config.log_level));

  app::EngineOptions options;
  options.data_dir = config.data_dir;
  std::unique_ptr<clients::HttpPaymentGate> payment;
  if (!config.payment_url.empty()) {
    auto url = clients::Url::parse(config.payment_url);
    if (!url) {
      std::fprintf(stderr, "mailboxd: --payment-url '%s' is not http://HOST[:PORT][/PATH]\n", config.payment_url.c_str());
      return 2;
    }
    clients::PaymentGateOptions gate;
    gate.timeout = config.payment_timeout;
    payment = std::make_unique<clients::HttpPaymentGate>(*url, gate);
    options.payment_gate = payment.get();
    spdlog::info("payment: every send is approved by {} first (timeout {} ms)", config.payment_url,
                 config.payment_timeout.count());
  } else {
    spdlog::info("payment: no --payment-url, so every send is approved");
  }
  auto engine = app::Engine::open(options);
  if (!engine) {
    std::fprintf(stderr, "mailboxd: %s\n", engine.error().message.c_str());
    return 1;
  }
  server::Metrics metrics;
  std::unique_ptr<server::Api> api;
  server::HttpServer http(config.http, [&api](server::HttpRequest req, server::Respond respond) {
    api->handle(std::move(req), std::move(respond));
  }, metrics);
  api = std::make_unique<server::Api>(**engine, metrics, [&http](std::function<void()> fn) { http.post(std::move(fn)); });
  if (auto s = http.listen(); !s) {
    std::fprintf(stderr, "mailboxd: %s\n", s.error().message.c_str());
    return 1;
  }
  std::promise<void> stop_requested;
  http.on_shutdown_signal([&stop_requested] { stop_requested.set_value(); });
  http.start();
  if (auto s = (*engine)->start(); !s) {
    std::fprintf(stderr, "mailboxd: %s\n", s.error().message.c_str());
    http.stop();
    return 1;
  }
  spdlog::info("mailboxd listening on http://{}:{} (data in {}, log head {})", config.http.host, http.port(),
               config.data_dir, (*engine)->log().head());

  // Ready once the readmails side has caught up with the log as it was at start.
  std::thread readiness([&] {
    const std::uint64_t head = (*engine)->log().head();
    while (!(*engine)->wait_readmails(head, 1s))
      if (api->draining()) return;
    api->set_ready(true);
    spdlog::info("ready: readmails caught up with position {}", head);
  });

  stop_requested.get_future().wait();
  spdlog::info("shutting down: draining connections");
  api->drain();
  readiness.join();
  if (!http.drain(8s)) spdlog::warn("some connections did not close in time");
  (*engine)->stop();
  http.stop();
  api.reset();
  payment.reset();  // its last answers may still reach the engine
  engine->reset();
  spdlog::info("stopped");
  return 0;
}
