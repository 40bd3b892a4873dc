#pragma once
// A small blocking HTTP/1.1 client over a plain socket, for tests: it can keep a
// connection alive, pipeline, send partial requests, and read Server-Sent Events.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

namespace mailbox::testing {

struct HttpReply {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class HttpConnection {
 public:
  explicit HttpConnection(std::uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);  // the destructor does not run for a constructor that throws
      fd_ = -1;
      throw std::runtime_error("connect failed");
    }
  }
  ~HttpConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  HttpConnection(const HttpConnection&) = delete;

  // The connection's local port: the same for as long as this one socket is in use.
  std::uint16_t local_port() const {
    sockaddr_in addr{};
    socklen_t size = sizeof addr;
    if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size) != 0) return 0;
    return ntohs(addr.sin_port);
  }

  void send_raw(const std::string& bytes) {
    std::size_t sent = 0;
    while (sent < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) throw std::runtime_error("send failed");
      sent += static_cast<std::size_t>(n);
    }
  }

  static std::string request(const std::string& method, const std::string& target, const std::string& body = {},
                             const std::map<std::string, std::string>& headers = {}) {
    std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    bool has_type = false;
    for (const auto& [k, v] : headers) {
      r += k + ": " + v + "\r\n";
      has_type = has_type || k == "Content-Type";
    }
    if (!body.empty() && !has_type) r += "Content-Type: application/json\r\n";
    if (!body.empty() || method == "POST") r += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    return r + "\r\n" + body;
  }

  HttpReply call(const std::string& method, const std::string& target, const std::string& body = {},
                 const std::map<std::string, std::string>& headers = {}) {
    send_raw(request(method, target, body, headers));
    return read_reply();
  }

  // Reads one response with a Content-Length body (or up to close). Throws on timeout.
  HttpReply read_reply(std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    HttpReply reply;
    std::size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(timeout)) throw std::runtime_error("connection closed before a response");
    const std::string head = buffer_.substr(0, header_end);
    buffer_.erase(0, header_end + 4);
    reply.status = std::stoi(head.substr(9, 3));
    std::size_t at = head.find("\r\n");
    while (at != std::string::npos) {
      const std::size_t next = head.find("\r\n", at + 2);
      const std::string line = head.substr(at + 2, next == std::string::npos ? std::string::npos : next - at - 2);
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        std::string value = line.substr(colon + 1);
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        reply.headers[name] = value;
      }
      at = next;
    }
    if (reply.headers.count("content-length")) {
      const std::size_t length = std::stoul(reply.headers["content-length"]);
      while (buffer_.size() < length)
        if (!fill(timeout)) throw std::runtime_error("connection closed inside a body");
      reply.body = buffer_.substr(0, length);
      buffer_.erase(0, length);
    }
    return reply;
  }

  // Reads until the buffer holds `marker`; returns everything up to and including it.
  std::string read_until(const std::string& marker, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    std::size_t at;
    while ((at = buffer_.find(marker)) == std::string::npos)
      if (!fill(timeout)) throw std::runtime_error("closed before '" + marker + "'");
    std::string out = buffer_.substr(0, at + marker.size());
    buffer_.erase(0, at + marker.size());
    return out;
  }

  // True when the server closes the connection within the timeout.
  bool closed_by_server(std::chrono::milliseconds timeout) {
    try {
      while (fill(timeout)) buffer_.clear();
      return true;
    } catch (const std::runtime_error&) {
      return false;
    }
  }

 private:
  // Reads more bytes; false on EOF; throws on timeout.
  bool fill(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) throw std::runtime_error("timed out reading");
    char chunk[16384];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
  }

  int fd_ = -1;
  std::string buffer_;
};

// One request on a fresh connection.
inline HttpReply http_call(std::uint16_t port, const std::string& method, const std::string& target,
                           const std::string& body = {}, const std::map<std::string, std::string>& headers = {}) {
  HttpConnection c(port);
  return c.call(method, target, body, headers);
}

}  // namespace mailbox::testing
