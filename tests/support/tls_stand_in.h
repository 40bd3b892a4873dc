#pragma once
// An HTTPS server on an ephemeral loopback port standing in for another service, written
// with OpenSSL directly on a socket (not with the transport under test): a thread per
// connection, HTTP/1.1 with keep-alive. It records each request, the connections and
// handshakes it saw and the host name each client named (SNI), and answers as the test
// says.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "server/http_types.h"
#include "tests/support/test_ca.h"

namespace mailbox::testing {

class TlsStandIn {
 public:
  using Answer = std::function<server::HttpResponse(const server::HttpRequest&)>;

  // Serves with the certificate. answer(request) gives the response (status,
  // content_type, headers, body and close are honoured); before_handshake, when set,
  // runs on a connection's thread before its handshake (a Hold there makes a server that
  // never answers the handshake). Both run on the connections' threads.
  TlsStandIn(const ServerCertificate& certificate, Answer answer, std::function<void()> before_handshake = {})
      : answer_(std::move(answer)), before_handshake_(std::move(before_handshake)) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    if (!ctx_ || SSL_CTX_use_certificate_chain_file(ctx_, certificate.cert_file.c_str()) != 1 ||
        SSL_CTX_use_PrivateKey_file(ctx_, certificate.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(ctx_) != 1) {
      if (ctx_) SSL_CTX_free(ctx_);
      throw std::runtime_error("tls stand-in: cannot use " + certificate.cert_file);
    }
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ::close(listen_fd_);
      SSL_CTX_free(ctx_);
      throw std::runtime_error("tls stand-in cannot listen");
    }
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  // Ends every connection and joins the threads. A before_handshake still blocked must
  // be released first.
  ~TlsStandIn() {
    stopping_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    acceptor_.join();
    {
      std::lock_guard lock(mutex_);
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);  // wakes SSL_read()
    }
    for (auto& t : connection_threads_) t.join();
    ::close(listen_fd_);
    SSL_CTX_free(ctx_);
  }
  TlsStandIn(const TlsStandIn&) = delete;

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "/", const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(port_) + path;
  }
  std::vector<server::HttpRequest> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return requests_.size();
  }
  // Ends every open connection without a word, as a service's idle timeout would: a
  // client sees it when it next uses the connection.
  void drop_connections() {
    std::lock_guard lock(mutex_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
  }
  // TCP connections accepted, and TLS handshakes completed on them.
  std::size_t connections() const { return connections_; }
  std::size_t handshakes() const { return handshakes_; }
  // The host names clients sent in SNI, one per completed handshake; "" for none.
  std::vector<std::string> server_names() const {
    std::lock_guard lock(mutex_);
    return server_names_;
  }

 private:
  void accept_loop() {
    for (;;) {
      const int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) {
        if (stopping_) return;
        continue;
      }
      std::lock_guard lock(mutex_);
      if (stopping_) {
        ::close(fd);
        return;
      }
      ++connections_;
      open_fds_.insert(fd);
      connection_threads_.emplace_back([this, fd] { serve(fd); });
    }
  }

  void serve(int fd) {
    // A client that hangs up mid-write must not kill the test process with SIGPIPE:
    // blocked in this thread, the write fails with EPIPE instead.
    sigset_t pipe;
    sigemptyset(&pipe);
    sigaddset(&pipe, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
    if (before_handshake_) before_handshake_();
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      ++handshakes_;
      const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
      {
        std::lock_guard lock(mutex_);
        server_names_.push_back(sni ? sni : "");
      }
      exchange(ssl);
    }
    ERR_clear_error();
    SSL_free(ssl);
    std::lock_guard lock(mutex_);
    open_fds_.erase(fd);
    ::close(fd);
  }

  // Answers requests on the connection until the client or the answer closes it.
  void exchange(SSL* ssl) {
    std::string in;
    auto read_more = [&] {
      char buf[4096];
      const int n = SSL_read(ssl, buf, sizeof buf);
      if (n <= 0) return false;
      in.append(buf, static_cast<std::size_t>(n));
      return true;
    };
    for (;;) {
      std::size_t head_end;
      while ((head_end = in.find("\r\n\r\n")) == std::string::npos)
        if (!read_more()) return;
      server::HttpRequest req;
      const std::string head = in.substr(0, head_end);
      in.erase(0, head_end + 4);
      std::size_t line_end = head.find("\r\n");
      const std::string request_line = head.substr(0, line_end);
      const auto sp1 = request_line.find(' '), sp2 = request_line.rfind(' ');
      req.method = request_line.substr(0, sp1);
      req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
      req.path = req.target.substr(0, req.target.find('?'));
      while (line_end != std::string::npos) {
        const auto start = line_end + 2;
        line_end = head.find("\r\n", start);
        const std::string line = head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
        const auto colon = line.find(':');
        if (colon == std::string::npos) continue;
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        const auto value = line.find_first_not_of(' ', colon + 1);
        req.headers[name] = value == std::string::npos ? "" : line.substr(value);
      }
      const std::size_t length = req.headers.contains("content-length") ? std::stoul(req.headers["content-length"]) : 0;
      while (in.size() < length)
        if (!read_more()) return;
      req.body = in.substr(0, length);
      in.erase(0, length);
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(req);
      }
      const server::HttpResponse res = answer_(req);
      const bool close = res.close || req.headers["connection"] == "close";
      std::string out = "HTTP/1.1 " + std::to_string(res.status) + (res.status == 200 ? " OK" : " Answer") + "\r\n";
      out += "Content-Type: " + res.content_type + "\r\n";
      out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
      for (const auto& [k, v] : res.headers) out += k + ": " + v + "\r\n";
      if (close) out += "Connection: close\r\n";
      out += "\r\n" + res.body;
      if (SSL_write(ssl, out.data(), static_cast<int>(out.size())) <= 0) return;
      if (close) {
        SSL_shutdown(ssl);
        return;
      }
    }
  }

  const Answer answer_;
  const std::function<void()> before_handshake_;
  SSL_CTX* ctx_ = nullptr;  // shared by the connections' threads (OpenSSL allows it)
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<std::size_t> connections_{0}, handshakes_{0};
  std::thread acceptor_;
  // Shared by the acceptor, the connections' threads and the test: mutex_ guards
  // everything below.
  mutable std::mutex mutex_;
  std::set<int> open_fds_;
  std::vector<std::thread> connection_threads_;
  std::vector<server::HttpRequest> requests_;
  std::vector<std::string> server_names_;
};

}  // namespace mailbox::testing
