#pragma once
// A small blocking HTTP/1.1 client for calls to other services (payment, webhook): one
// kept-alive connection, plain or TLS, every call bounded by a timeout. Not thread-safe:
// one per calling thread. Beast, Asio and OpenSSL stay inside http_client.cc.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "app/status.h"

namespace mailbox::clients {

struct Url {
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";
  bool tls = false;  // https: the server is verified and the call encrypted
  // Parses http://HOST[:PORT][/PATH] (port 80 by default) and https://HOST[:PORT][/PATH]
  // (port 443 by default); nullopt otherwise.
  static std::optional<Url> parse(std::string_view text);
  // scheme://host:port/target, as errors name the URL.
  std::string str() const;
};

// Whom an https:// call trusts. Plain http:// ignores it.
struct TlsOptions {
  // A PEM file of CA certificates trusted besides the system store (a private CA);
  // empty: the system store only.
  std::string ca_file;
};

// The trust of https:// calls, loaded once and shared by every HttpClient of a pool.
// Immutable once loaded, so thread-safe.
class TlsContext {
 public:
  // Trusts the system's CA store (OpenSSL's default paths) and, when options.ca_file is
  // not empty, the certificates in it; TLS 1.2 at least. Costs a parse of the system
  // store (milliseconds): load once, share it. Errors: invalid argument when ca_file
  // cannot be read or holds no certificate; internal when OpenSSL fails otherwise.
  static eventstore::Result<std::shared_ptr<const TlsContext>> load(const TlsOptions& options);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;

 private:
  friend class HttpClient;
  struct Impl;
  explicit TlsContext(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A loaded TlsContext, or why it could not be loaded.
using TlsSetup = eventstore::Result<std::shared_ptr<const TlsContext>>;

struct ClientResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  // tls matters for an https:// URL only: the context its connections verify the server
  // with; null loads the system store alone, here; an error makes every call fail
  // unavailable with that error's message.
  explicit HttpClient(Url url, TlsSetup tls = std::shared_ptr<const TlsContext>());
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;

  // POSTs a JSON body to the URL's target. For https, a new connection first completes a
  // TLS handshake: SNI names the URL's host, and the server's certificate must chain to a
  // trusted CA and be issued for that host (name or IP address); nothing is sent
  // otherwise. Errors (all unavailable): the connection is refused or breaks, the
  // handshake fails ("certificate verify failed: …", "host name mismatch: …"), or no full
  // answer came within the timeout, which bounds connecting, the handshake and the
  // exchange together. A kept-alive connection, plain or TLS, is reused by the next call.
  eventstore::Result<ClientResponse> post_json(const std::string& body,
                                               const std::map<std::string, std::string>& headers,
                                               std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mailbox::clients
