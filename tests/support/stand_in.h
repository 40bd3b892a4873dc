#pragma once
// A real HTTP server on an ephemeral loopback port standing in for another service
// (payment, alarm webhook): it records each request and answers as the test says.

#include <atomic>
#include <functional>
#include <mutex>
#include <vector>

#include "server/http_server.h"

namespace mailbox::testing {

class StandIn {
 public:
  // answer(request) gives the response; it runs on the stand-in's I/O threads.
  // port 0: an ephemeral port.
  explicit StandIn(std::function<server::HttpResponse(const server::HttpRequest&)> answer, int threads = 4,
                   std::uint16_t port = 0)
      : answer_(std::move(answer)) {
    server::ServerOptions options;
    options.port = port;
    options.threads = threads;
    server_ = std::make_unique<server::HttpServer>(
        options,
        [this](server::HttpRequest req, server::Respond respond) {
          {
            std::lock_guard lock(mutex_);
            requests_.push_back(req);
          }
          respond(answer_(req));
        },
        metrics_);
    if (!server_->listen()) throw std::runtime_error("stand-in cannot listen");
    server_->start();
  }
  ~StandIn() { server_->stop(); }
  std::uint16_t port() const { return server_->port(); }
  std::string url(const std::string& path = "/") const { return "http://127.0.0.1:" + std::to_string(port()) + path; }
  std::vector<server::HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // Forgets the requests recorded so far.
  void clear() {
    std::lock_guard lock(mutex_);
    requests_.clear();
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }

 private:
  std::function<server::HttpResponse(const server::HttpRequest&)> answer_;
  server::Metrics metrics_;
  mutable std::mutex mutex_;
  std::vector<server::HttpRequest> requests_;
  std::unique_ptr<server::HttpServer> server_;
};

}  // namespace mailbox::testing
