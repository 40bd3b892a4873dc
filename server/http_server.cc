#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include "server/http_server.h"

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <condition_variable>
#include <mutex>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "server/client_address.h"
#include "server/reply.h"
#include "server/url.h"

namespace mailbox::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

using RequestParser = http::request_parser<http::string_body>;

void apply_limits(RequestParser& parser, const ServerOptions& options) {
  parser.body_limit(options.max_body_bytes);
  parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
}

// A read error after which the connection just closes: the client went away, stopped,
// or was too slow.
bool ends_connection(beast::error_code ec) {
  return ec == http::error::end_of_stream || ec == beast::error::timeout || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::operation_aborted;
}

// The answer to a request that could not be read (unless ends_connection(ec)).
HttpResponse refusal_of(beast::error_code ec, const ServerOptions& options) {
  if (ec == http::error::body_limit)
    return to_http(std::unexpected(
        problem("payload_too_large", "the body is over " + std::to_string(options.max_body_bytes) + " bytes")));
  if (ec == http::error::header_limit)
    return to_http(std::unexpected(
        problem("headers_too_large", "the headers are over " + std::to_string(options.max_header_bytes) + " bytes")));
  return to_http(std::unexpected(problem("bad_request", "malformed HTTP request: " + ec.message())));
}

// What the handler is given for a request read whole; the refusal when its target is not
// valid percent-encoding.
std::expected<HttpRequest, HttpResponse> to_request(RequestParser::value_type& in, std::string_view peer) {
  HttpRequest req;
  req.method = std::string(in.method_string());
  req.peer = std::string(peer);
  req.target = std::string(in.target());
  for (const auto& field : in) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.insert_or_assign(std::move(name), std::string(field.value()));
  }
  req.body = std::move(in.body());
  if (!split_target(req))
    return std::unexpected(to_http(std::unexpected(problem("bad_request", "the request target is not valid percent-encoding"))));
  return req;
}

}  // namespace

struct HttpServer::Impl {
  ServerOptions options;
  Handler handler;
  Metrics& metrics;
  asio::io_context ioc;
  // Keeps the I/O threads running while nothing is queued: answers come back from
  // other threads (the log's writer, the waiters) and are posted here.
  asio::executor_work_guard<asio::io_context::executor_type> work{ioc.get_executor()};
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  asio::signal_set reload_signals{ioc, SIGHUP};
  std::function<void()> on_reload;
  void wait_reload() {
    reload_signals.async_wait([this](beast::error_code ec, int) {
      if (ec) return;
      if (on_reload) on_reload();
      wait_reload();
    });
  }
  std::vector<std::thread> threads;
  // The listening socket was given (adopt): never shut it down, only close our descriptor.
  bool inherited = false;
  std::atomic<bool> draining{false};
  std::atomic<bool> stopped{false};

  class Session;
  std::mutex sessions_mutex;  // guards sessions; pairs with sessions_gone
  std::condition_variable sessions_gone;
  std::set<std::shared_ptr<Session>> sessions;
  std::map<std::string, std::size_t, std::less<>> per_address;  // open sessions by client address

  // When accepting fails (out of descriptors): wait before the next try, doubling.
  asio::steady_timer accept_timer{acceptor.get_executor()};
  std::chrono::milliseconds accept_backoff{0};
  static constexpr std::chrono::milliseconds kFirstBackoff{10}, kMaxBackoff{1000};

  Impl(ServerOptions o, Handler h, Metrics& m) : options(std::move(o)), handler(std::move(h)), metrics(m) {}

  void accept();
  void accept_later(const beast::error_code& ec);
  // On the acceptor's strand: no more accepts; connections not yet accepted stay queued
  // on an inherited socket for its other holder, and are refused otherwise.
  void stop_accepting();
  // A short 503 problem on a connection that is not served, then close.
  void refuse(tcp::socket socket, Problem why);
  // Counts the session (and its address); false when its address has its share already.
  bool add(const std::shared_ptr<Session>& s);
  void remove(const std::shared_ptr<Session>& s);
};

// One connection: reads a request, hands it to the handler, writes the answer, and
// reads the next (keep-alive; pipelined requests wait in the buffer).
class HttpServer::Impl::Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Impl& server, tcp::socket socket, std::string address)
      : server_(server), stream_(std::move(socket)), address_(std::move(address)) {}
  const std::string& address() const { return address_; }

  // The connection, for a session that is not started.
  tcp::socket release_socket() { return stream_.release_socket(); }

  void start() {
    asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_next(); });
  }

  // Any thread may ask (the state is atomic); only the session's strand changes it.
  const char* state_name() const {
    static const char* kNames[] = {"idle", "reading", "busy", "writing", "lingering", "streaming", "closed"};
    return kNames[static_cast<int>(state_.load())];
  }

  // From another thread: close once idle for kDrainingGrace, or after the answer to
  // the request in flight.
  void drain() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (self->state_ == State::idle) self->close_when_idle();
      if (self->stream_body_) self->stream_body_->cancel();
    });
  }

 private:
  enum class State { idle, reading, busy, writing, lingering, streaming, closed };

  void read_next() {
    if (state_ == State::closed) return;
    parser_.emplace();
    apply_limits(*parser_, server_.options);
    if (buffer_.size() > 0) return read_header();
    // Idle until the first byte of the next request.
    state_ = State::idle;
    idle_since_ = std::chrono::steady_clock::now();
    stream_.expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return self->close();
      self->buffer_.commit(n);
      self->read_header();
    });
    if (server_.draining) close_when_idle();
  }

  // Draining: a client that has just been answered (or has just connected) may be
  // sending its next request already; it gets kDrainingGrace from then to begin it, and
  // the answer says Connection: close. Past it, the idle read is cancelled: it ends
  // aborted, and the connection closes, unless it has just read a request's first
  // bytes, which are then served. (A client that sends at that very instant on a
  // connection idle all that time can still see it closed: HTTP's keep-alive race.)
  void close_when_idle() {
    const auto idle = std::chrono::steady_clock::now() - idle_since_;
    idle_timer_.expires_after(kDrainingGrace - std::min<std::chrono::steady_clock::duration>(idle, kDrainingGrace));
    idle_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->state_ != State::idle) return;
      beast::error_code ignored;
      if (self->stream_.socket().available(ignored) > 0) return;  // a request is arriving
      self->stream_.socket().cancel(ignored);
    });
  }

  void read_header() {
    state_ = State::reading;
    stream_.expires_after(server_.options.read_timeout);  // a slow client is cut here
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, std::size_t) {
                              if (ec) return self->on_read_error(ec);
                              self->read_body();
                            });
  }

  void read_body() {
    auto& req = parser_->get();
    if (req[http::field::expect] == "100-continue") {
      auto cont = std::make_shared<std::string>("HTTP/1.1 100 Continue\r\n\r\n");
      asio::async_write(stream_, asio::buffer(*cont), [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
        if (ec) return self->close();
        self->read_rest();
      });
      return;
    }
    read_rest();
  }

  void read_rest() {
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->on_read_error(ec);
      self->dispatch();
    });
  }

  void on_read_error(beast::error_code ec) {
    if (ends_connection(ec)) return close();
    keep_alive_ = false;
    write(refusal_of(ec, server_.options));
  }

  void dispatch() {
    state_ = State::busy;
    stream_.expires_never();
    auto& in = parser_->get();
    keep_alive_ = in.keep_alive();
    beast::error_code peer_ec;
    const auto remote = stream_.socket().remote_endpoint(peer_ec);
    auto req = to_request(in, peer_ec ? std::string() : remote.address().to_string());
    if (!req) return write(std::move(req.error()));
    server_.handler(std::move(*req), [self = shared_from_this()](HttpResponse r) {
      asio::post(self->stream_.get_executor(), [self, r = std::move(r)]() mutable { self->write(std::move(r)); });
    });
  }

  void write(HttpResponse r) {
    if (state_ == State::closed) return;
    if (r.close || server_.draining) keep_alive_ = false;
    if (r.stream) return start_stream(std::move(r));
    auto res = std::make_shared<http::response<http::string_body>>(static_cast<http::status>(r.status), 11);
    res->set(http::field::server, "mailboxd");
    res->set(http::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->insert(k, v);
    res->body() = std::move(r.body);
    res->keep_alive(keep_alive_);
    res->prepare_payload();
    state_ = State::writing;
    stream_.expires_after(server_.options.read_timeout);  // a client that does not read is cut too
    http::async_write(stream_, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (!self->keep_alive_) return self->linger_close();
      self->read_next();
    });
  }

  // Server-Sent Events: headers, then chunks as the stream delivers them, until it ends.
  void start_stream(HttpResponse r) {
    state_ = State::streaming;
    stream_body_ = r.stream;
    std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " +
                       std::string(http::obsolete_reason(static_cast<http::status>(r.status))) +
                       "\r\nServer: mailboxd\r\nContent-Type: " + r.content_type + "\r\n";
    for (auto& [k, v] : r.headers) head += k + ": " + v + "\r\n";
    head += "Connection: close\r\n\r\n";
    write_chunk(std::make_shared<std::string>(std::move(head)));
    watch_for_close();
  }

  // A stream writes only when it has something: a client that goes away is noticed
  // here, at once, so that its connection and live-stream ticket come back. What an SSE
  // client sends is read and dropped.
  void watch_for_close() {
    beast::error_code ec;
    stream_.socket().non_blocking(true, ec);
    stream_.socket().async_wait(tcp::socket::wait_read, [self = shared_from_this()](beast::error_code wait_ec) {
      if (self->state_ == State::closed) return;
      if (wait_ec) return self->close();
      char scratch[1024];
      beast::error_code read_ec;
      const std::size_t n = self->stream_.socket().read_some(asio::buffer(scratch), read_ec);
      if (read_ec == asio::error::would_block) return self->watch_for_close();
      if (read_ec || n == 0) return self->close();
      self->watch_for_close();
    });
  }

  void write_chunk(std::shared_ptr<std::string> chunk) {
    stream_.expires_after(server_.options.read_timeout);
    asio::async_write(stream_, asio::buffer(*chunk), [self = shared_from_this(), chunk](beast::error_code ec, std::size_t) {
      if (ec || self->server_.draining) return self->close();
      self->stream_.expires_never();
      self->stream_body_->next([self](std::optional<std::string> next) {
        asio::post(self->stream_.get_executor(), [self, next = std::move(next)]() mutable {
          if (!next || self->state_ == State::closed) return self->close();
          self->write_chunk(std::make_shared<std::string>(std::move(*next)));
        });
      });
    });
  }

  // Closes after the client has stopped sending (or a second has passed): closing with
  // unread input would reset the connection and could destroy the answer just sent,
  // e.g. a 413 while the client is still sending its body.
  void linger_close() {
    state_ = State::lingering;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    // One deadline, however much keeps coming; short while draining, where every answer
    // closes its connection and the drain waits for them all.
    stream_.expires_after(server_.draining ? kDrainingGrace : std::chrono::milliseconds(1000));
    linger_read();
  }

  void linger_read() {
    buffer_.consume(buffer_.size());
    stream_.async_read_some(buffer_.prepare(65536), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->linger_read();
    });
  }

  void close() {
    if (state_ == State::closed) return;
    state_ = State::closed;
    idle_timer_.cancel();
    if (stream_body_) stream_body_->cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
    server_.remove(shared_from_this());
  }

  Impl& server_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<ChunkStream> stream_body_;
  const std::string address_;  // the peer's IP address
  bool keep_alive_ = true;
  std::atomic<State> state_{State::idle};
  std::chrono::steady_clock::time_point idle_since_;  // when it last became idle (strand only)
  asio::steady_timer idle_timer_{stream_.get_executor()};  // closes it when idle while draining
};

bool HttpServer::Impl::add(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(sessions_mutex);
  const bool counted = std::none_of(options.per_ip_exempt.begin(), options.per_ip_exempt.end(),
                                    [&](const Cidr& c) { return c.contains(s->address()); });
  if (counted) {
    auto& n = per_address[s->address()];
    if (n >= options.max_connections_per_ip) return false;
    ++n;
  }
  sessions.insert(s);
  metrics.connection_opened();
  return true;
}

void HttpServer::Impl::remove(const std::shared_ptr<Session>& s) {
  std::lock_guard lock(sessions_mutex);
  if (sessions.erase(s)) {
    metrics.connection_closed();
    if (auto it = per_address.find(s->address()); it != per_address.end() && --it->second == 0) per_address.erase(it);
  }
  if (sessions.empty()) sessions_gone.notify_all();
}

void HttpServer::Impl::refuse(tcp::socket socket, Problem why) {
  metrics.connection_refused();
  auto sock = std::make_shared<tcp::socket>(std::move(socket));
  const HttpResponse r = to_http(std::unexpected(std::move(why)));
  std::string head = "HTTP/1.1 " + std::to_string(r.status) + " " +
                     std::string(http::obsolete_reason(static_cast<http::status>(r.status))) +
                     "\r\nContent-Type: " + r.content_type + "\r\n";
  for (const auto& [k, v] : r.headers) head += k + ": " + v + "\r\n";
  auto body = std::make_shared<std::string>(head + "Connection: close\r\nContent-Length: " +
                                            std::to_string(r.body.size()) + "\r\n\r\n" + r.body);
  asio::async_write(*sock, asio::buffer(*body), [sock, body](beast::error_code, std::size_t) {
    beast::error_code ignored;
    sock->shutdown(tcp::socket::shutdown_both, ignored);
  });
}

void HttpServer::Impl::accept_later(const beast::error_code& ec) {
  // Out of descriptors (EMFILE, ENFILE) or memory: trying again at once would spin.
  if (accept_backoff.count() == 0)
    spdlog::warn("accepting a connection failed ({}); trying again in {} ms, backing off up to {} ms", ec.message(),
                 kFirstBackoff.count(), kMaxBackoff.count());
  accept_backoff = accept_backoff.count() == 0 ? kFirstBackoff : std::min(accept_backoff * 2, kMaxBackoff);
  accept_timer.expires_after(accept_backoff);
  accept_timer.async_wait([this](beast::error_code timer_ec) {
    if (timer_ec || draining || !acceptor.is_open()) return;
    accept();
  });
}

void HttpServer::Impl::accept() {
  acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      return accept_later(ec);
    }
    accept_backoff = std::chrono::milliseconds(0);
    // Accepted as the drain began: served like the others (its answer closes it).
    beast::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    const std::string address = peer_ec ? std::string() : peer.address().to_string();
    if (options.loopback_clients_only && (peer_ec || !is_loopback(address))) {
      metrics.connection_refused();
      beast::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      socket.close(ignored);
      return accept();
    }
    if (static_cast<std::size_t>(metrics.connections()) >= options.max_connections) {
      refuse(std::move(socket), problem("overloaded", "too many connections; try again"));
      return accept();
    }
    auto session = std::make_shared<Session>(*this, std::move(socket), address);
    if (!add(session)) {
      refuse(session->release_socket(), problem("overloaded", "too many connections from " + address + "; try again"));
      return accept();
    }
    session->start();
    if (!draining) accept();
  });
}

void HttpServer::Impl::stop_accepting() {
  beast::error_code ec;
  accept_timer.cancel();
  if (!inherited) {
    acceptor.close(ec);
    return;
  }
  // Not close(): Asio leaves a closed descriptor in its epoll set, to be dropped by the
  // kernel once the socket's last descriptor is closed, and another process holds this
  // one. release() takes it out of the set (and ends the pending accept) first.
  const int fd = acceptor.release(ec);
  if (fd >= 0) ::close(fd);
}

ReadRequest read_request(std::string_view bytes, const ServerOptions& options, std::string_view peer) {
  ReadRequest out;
  RequestParser parser;
  apply_limits(parser, options);
  beast::error_code ec;
  // The rest of bytes is offered at once, so wanting more means the stream has ended:
  // then, as on a connection, a request begun is finished (or refused) by its end.
  while (!parser.is_done()) {
    if (out.consumed < bytes.size()) {
      out.consumed += parser.put(asio::const_buffer(bytes.data() + out.consumed, bytes.size() - out.consumed), ec);
      if (!ec) continue;
      if (ec != http::error::need_more) break;
      ec = {};
    }
    if (!parser.got_some()) return {};
    parser.put_eof(ec);
    break;
  }
  if (ec) {
    out.consumed = 0;
    if (!ends_connection(ec)) out.refusal = refusal_of(ec, options);
    return out;
  }
  out.keep_alive = parser.get().keep_alive();
  auto req = to_request(parser.get(), peer);
  if (req) out.request = std::move(*req);
  else out.refusal = std::move(req.error());
  return out;
}

HttpServer::HttpServer(ServerOptions options, Handler handler, Metrics& metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), metrics)) {}

HttpServer::~HttpServer() { stop(); }

app::Status HttpServer::listen() {
  beast::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.host, ec);
  if (ec) return app::fail(app::Code::invalid_argument, "'" + impl_->options.host + "' is not an IP address");
  const tcp::endpoint endpoint(address, impl_->options.port);
  auto& a = impl_->acceptor;
  const std::string where = impl_->options.host + ":" + std::to_string(impl_->options.port);
  if (a.open(endpoint.protocol(), ec); ec) return app::fail(app::Code::unavailable, "cannot open a socket: " + ec.message());
  if (a.set_option(asio::socket_base::reuse_address(true), ec); ec)
    return app::fail(app::Code::unavailable, "cannot set SO_REUSEADDR: " + ec.message());
  if (a.bind(endpoint, ec); ec) return app::fail(app::Code::unavailable, "cannot listen on " + where + ": " + ec.message());
  if (a.listen(asio::socket_base::max_listen_connections, ec); ec)
    return app::fail(app::Code::unavailable, "cannot listen on " + where + ": " + ec.message());
  impl_->accept();
  return {};
}

app::Status HttpServer::adopt(int fd) {
  sockaddr_storage address{};
  socklen_t size = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0)
    return app::fail(app::Code::unavailable, "the inherited socket has no address");
  beast::error_code ec;
  if (impl_->acceptor.assign(address.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), fd, ec); ec)
    return app::fail(app::Code::unavailable, "cannot serve on the inherited socket: " + ec.message());
  impl_->inherited = true;
  impl_->accept();
  return {};
}

std::uint16_t HttpServer::port() const {
  beast::error_code ec;
  return impl_->acceptor.local_endpoint(ec).port();
}

void HttpServer::start() {
  for (int i = 0; i < std::max(1, impl_->options.threads); ++i) {
    impl_->threads.emplace_back([this] { impl_->ioc.run(); });
    const std::string name = "http-" + std::to_string(i);  // shown by top -H and perf
    ::pthread_setname_np(impl_->threads.back().native_handle(), name.c_str());
  }
}

void HttpServer::post(std::function<void()> fn) { asio::post(impl_->ioc, std::move(fn)); }

void HttpServer::on_shutdown_signal(std::function<void()> on_signal) {
  impl_->signals.async_wait([fn = std::move(on_signal)](beast::error_code ec, int) {
    if (!ec) fn();
  });
}

void HttpServer::on_reload_signal(std::function<void()> on_signal) {
  impl_->on_reload = std::move(on_signal);
  impl_->wait_reload();
}

bool HttpServer::drain(std::chrono::milliseconds timeout) {
  impl_->draining = true;
  asio::post(impl_->acceptor.get_executor(), [this] { impl_->stop_accepting(); });
  std::vector<std::shared_ptr<Impl::Session>> open;
  {
    std::lock_guard lock(impl_->sessions_mutex);
    open.assign(impl_->sessions.begin(), impl_->sessions.end());
  }
  for (auto& s : open) s->drain();
  std::unique_lock lock(impl_->sessions_mutex);
  if (impl_->sessions_gone.wait_for(lock, timeout, [this] { return impl_->sessions.empty(); })) return true;
  for (const auto& s : impl_->sessions) std::fprintf(stderr, "mailboxd: connection still open while %s\n", s->state_name());
  return false;
}

void HttpServer::stop() {
  if (impl_->stopped.exchange(true)) return;
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads)
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  {
    std::lock_guard lock(impl_->sessions_mutex);
    impl_->sessions.clear();
  }
}

}  // namespace mailbox::server
