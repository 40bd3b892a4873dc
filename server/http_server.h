#pragma once
// The HTTP transport (Boost.Beast): a listener that accepts, a session per connection
// that reads requests within limits and writes responses, keep-alive and pipelining,
// and a graceful drain. Requests go to a handler as plain values (http_types.h).
// Beast and Asio stay inside http_server.cc.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/status.h"
#include "server/client_address.h"
#include "server/http_types.h"
#include "server/metrics.h"

namespace mailbox::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;              // 0: an ephemeral port (see HttpServer::port)
  int threads = 2;                        // I/O threads
  std::size_t max_connections = 10'000;   // past it, new connections get a 503 and are closed
  std::size_t max_connections_per_ip = 1024;  // from one address; past it, the same
  std::vector<Cidr> per_ip_exempt;        // peers not counted per address (trusted proxies)
  std::size_t max_body_bytes = 64 * 1024;
  std::size_t max_header_bytes = 8 * 1024;
  std::chrono::milliseconds idle_timeout{60'000};  // a kept-alive connection with no request is closed
  std::chrono::milliseconds read_timeout{10'000};  // a request must arrive whole within this once begun
  // Protected mode (no keys): a connection from anywhere but a loopback address is
  // closed at once, before a byte is read.
  bool loopback_clients_only = false;
};

// One request read from bytes as a connection reads it, within options' body and
// header limits, without a socket (for tests and fuzzing). Thread-safe.
struct ReadRequest {
  std::size_t consumed = 0;             // bytes of bytes the request took (0 unless it was read whole)
  std::optional<HttpRequest> request;   // read whole: what the handler is given (peer as passed)
  std::optional<HttpResponse> refusal;  // what a connection answers instead (400, 413, 431)
  bool keep_alive = false;              // whether a connection would read another request after it
};
// bytes are all that the client sends before it ends the stream: a request they cut
// short is refused as a connection refuses it then (400); empty bytes give neither a
// request nor a refusal (the connection just closes).
ReadRequest read_request(std::string_view bytes, const ServerOptions& options, std::string_view peer = {});

// While draining: how long a connection with no request under way stays open after
// its last answer (or its accept), so that a request its client is already sending is
// answered rather than cut; also how long a closing connection waits for its client
// to stop sending.
inline constexpr std::chrono::milliseconds kDrainingGrace{200};

class HttpServer {
 public:
  using Handler = std::function<void(HttpRequest, Respond)>;

  // REQUIRES: metrics outlives the server; handler may be called from any I/O thread.
  HttpServer(ServerOptions options, Handler handler, Metrics& metrics);
  ~HttpServer();  // stops

  // Binds and listens. Errors: unavailable (address in use, not permitted), invalid_argument.
  app::Status listen();
  // Serves on a listening socket it is given instead (socket activation): it binds
  // nothing, and at drain it stops accepting and closes its own descriptor without ever
  // shutting the socket down, so that connections queued on it wait for the socket's
  // other holder (systemd, the next process). Takes fd. Errors: unavailable.
  // REQUIRES: fd is a listening TCP socket (see check_listening_socket).
  app::Status adopt(int fd);
  std::uint16_t port() const;
  // Starts the I/O threads; they accept and serve until stop().
  void start();
  // Runs fn on an I/O thread. Thread-safe.
  void post(std::function<void()> fn);
  // Calls on_signal (on an I/O thread) on SIGINT or SIGTERM.
  void on_shutdown_signal(std::function<void()> on_signal);
  // Calls on_signal (on an I/O thread) on every SIGHUP.
  void on_reload_signal(std::function<void()> on_signal);

  // Stops accepting, lets requests in flight finish (each connection closes after its
  // response, which says Connection: close), closes connections once they have been
  // idle for kDrainingGrace, ends live streams. Waits up to `timeout` for every
  // connection to close; returns whether they all did.
  bool drain(std::chrono::milliseconds timeout);
  // Stops the I/O threads. Thread-safe, idempotent.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mailbox::server
