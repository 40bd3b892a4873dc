#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include "clients/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace mailbox::clients {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::optional<Url> Url::parse(std::string_view text) {
  Url url;
  if (text.starts_with("https://")) {
    url.tls = true;
    url.port = 443;
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    text.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const auto slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  url.target = slash == std::string_view::npos ? "/" : std::string(text.substr(slash));
  const auto colon = authority.rfind(':');
  if (colon != std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) return std::nullopt;
    url.port = static_cast<std::uint16_t>(value);
    authority = authority.substr(0, colon);
  }
  if (authority.empty()) return std::nullopt;
  url.host = std::string(authority);
  return url;
}

std::string Url::str() const {
  return (tls ? "https://" : "http://") + host + ":" + std::to_string(port) + target;
}

struct TlsContext::Impl {
  // Mutable because Asio's streams take it by non-const reference; a stream only creates
  // its SSL object from it (SSL_new), which OpenSSL allows from many threads at once.
  mutable ssl::context ctx{ssl::context::tls_client};
};

TlsContext::TlsContext(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TlsContext::~TlsContext() = default;

eventstore::Result<std::shared_ptr<const TlsContext>> TlsContext::load(const TlsOptions& options) {
  std::unique_ptr<Impl> impl;
  try {
    impl = std::make_unique<Impl>();
  } catch (const boost::system::system_error& e) {
    return eventstore::fail(eventstore::Code::internal, std::string("cannot create a TLS context: ") + e.what());
  }
  auto& ctx = impl->ctx;
  if (SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION) != 1)
    return eventstore::fail(eventstore::Code::internal, "cannot require TLS 1.2");
  beast::error_code ec;
  ctx.set_verify_mode(ssl::verify_peer, ec);
  if (!ec) ctx.set_default_verify_paths(ec);
  if (ec) return eventstore::fail(eventstore::Code::internal, "cannot load the system's CA store: " + ec.message());
  if (!options.ca_file.empty()) {
    // OpenSSL reports an unreadable file as a bare "asio.ssl error": say why first.
    if (::access(options.ca_file.c_str(), R_OK) != 0)
      ec.assign(errno, boost::system::generic_category());
    else
      ctx.load_verify_file(options.ca_file, ec);
    if (ec) {
      ERR_clear_error();  // what OpenSSL queued is in ec; left there, it would confuse the thread's next call
      return eventstore::fail(eventstore::Code::invalid_argument,
                              "cannot load CA file " + options.ca_file + ": " + ec.message());
    }
  }
  return std::shared_ptr<const TlsContext>(new TlsContext(std::move(impl)));
}

namespace {

// Why a TLS handshake failed, in words an operator can act on: OpenSSL's own error for a
// handshake says only "certificate verify failed", its verify result says which check.
std::string handshake_error(SSL* ssl, const beast::error_code& ec, const std::string& host) {
  if (ec == beast::error::timeout) return "TLS handshake timed out";
  const long verify = SSL_get_verify_result(ssl);
  if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH)
    return "TLS handshake failed: host name mismatch: the server's certificate is not for " + host;
  if (verify != X509_V_OK)
    return std::string("TLS handshake failed: certificate verify failed: ") + X509_verify_cert_error_string(verify);
  return "TLS handshake failed: " + ec.message();
}

// Makes the handshake check that the certificate is for host, and names host in SNI. An
// IP address is matched against the certificate's IP addresses, and is not sent as SNI
// (RFC 6066 allows host names only).
bool expect_host(SSL* ssl, const std::string& host) {
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  beast::error_code not_ip;
  asio::ip::make_address(host, not_ip);
  if (!not_ip) return X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1;
  return SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
         X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
}

}  // namespace

struct HttpClient::Impl {
  Url url;
  TlsSetup tls;
  asio::io_context ioc;
  // The kept-alive connection, if any: plain for http, secure for https.
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> secure;
  beast::flat_buffer buffer;

  bool connected() const { return plain || secure; }
  void drop() {
    plain.reset();
    secure.reset();
  }
  beast::tcp_stream& tcp() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
  // Connects, and for https completes the handshake, before the deadline. The error
  // message says which step failed.
  eventstore::Status connect(std::chrono::steady_clock::time_point deadline);
  template <class Stream>
  void exchange(Stream& stream, http::request<http::string_body>& req, http::response<http::string_body>& res,
                beast::error_code& ec);
};

namespace {

// Name resolutions waiting on a resolver that does not answer, at most: past it a call
// fails at once instead of starting one more thread.
constexpr int kMaxHangingResolutions = 8;
std::atomic<int> resolving{0};

// The addresses of host, within the deadline. getaddrinfo cannot be interrupted: it
// runs on a thread of its own, which a call that gives up leaves behind to finish.
std::optional<std::pair<tcp::resolver::results_type, std::string>> resolve(
    const std::string& host, std::uint16_t port, std::chrono::steady_clock::time_point deadline) {
  using Out = std::pair<tcp::resolver::results_type, std::string>;
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  if (!ec) {  // an address: nothing to look up
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::numeric_host, ec);
    return Out{results, ec ? ec.message() : std::string()};
  }
  if (resolving.load() >= kMaxHangingResolutions) return Out{{}, "too many name resolutions are hanging"};
  struct Shared {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    Out out;
  };
  auto shared = std::make_shared<Shared>();
  ++resolving;
  std::thread([shared, host, port] {
    asio::io_context ioc;
    tcp::resolver resolver(ioc);
    beast::error_code e;
    auto results = resolver.resolve(host, std::to_string(port), e);
    --resolving;
    std::lock_guard lock(shared->mutex);
    shared->out = Out{results, e ? e.message() : std::string()};
    shared->done = true;
    shared->done_cv.notify_all();
  }).detach();
  std::unique_lock lock(shared->mutex);
  if (!shared->done_cv.wait_until(lock, deadline, [&] { return shared->done; })) return std::nullopt;
  return shared->out;
}

}  // namespace

eventstore::Status HttpClient::Impl::connect(std::chrono::steady_clock::time_point deadline) {
  auto left = [&] { return std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(0)); };
  auto failed = [&](std::string what) {
    drop();
    return eventstore::fail(eventstore::Code::unavailable, std::move(what));
  };
  if (url.tls && !tls) return failed(tls.error().message);
  beast::error_code ec;
  auto resolved = resolve(url.host, url.port, deadline);
  if (!resolved) return failed("cannot resolve " + url.host + ": no answer in time");
  if (!resolved->second.empty()) return failed("cannot resolve: " + resolved->second);
  const auto endpoints = std::move(resolved->first);
  if (url.tls)
    secure.emplace(ioc, (*tls)->impl_->ctx);
  else
    plain.emplace(ioc);
  tcp().expires_after(left());
  tcp().async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  ioc.restart();
  ioc.run();
  if (ec) return failed(ec == beast::error::timeout ? "connect timed out" : "cannot connect: " + ec.message());
  if (!url.tls) return {};
  if (!expect_host(secure->native_handle(), url.host)) return failed("cannot set the TLS host name " + url.host);
  tcp().expires_after(left());
  secure->async_handshake(ssl::stream_base::client, [&](beast::error_code e) { ec = e; });
  ioc.restart();
  ioc.run();
  if (ec) return failed(handshake_error(secure->native_handle(), ec, url.host));
  return {};
}

template <class Stream>
void HttpClient::Impl::exchange(Stream& stream, http::request<http::string_body>& req,
                                http::response<http::string_body>& res, beast::error_code& ec) {
  http::async_write(stream, req, [&](beast::error_code e, std::size_t) {
    ec = e;
    if (ec) return;
    http::async_read(stream, buffer, res, [&](beast::error_code e2, std::size_t) { ec = e2; });
  });
  ioc.restart();
  ioc.run();
}

HttpClient::HttpClient(Url url, TlsSetup tls) : impl_(std::make_unique<Impl>()) {
  if (url.tls && tls && !*tls) tls = TlsContext::load({});
  impl_->url = std::move(url);
  impl_->tls = std::move(tls);
}
HttpClient::~HttpClient() = default;

eventstore::Result<ClientResponse> HttpClient::post_json(const std::string& body,
                                                         const std::map<std::string, std::string>& headers,
                                                         std::chrono::milliseconds timeout) {
  auto& i = *impl_;
  const std::string where = i.url.str();
  auto failed = [&](const std::string& what) {
    i.drop();  // a broken or timed-out connection is not reused
    return eventstore::fail(eventstore::Code::unavailable, where + ": " + what);
  };
  // Each step is asynchronous under the stream's deadline; run() drives it to the end.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] { return std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(0)); };
  // A kept-alive connection the server has closed meanwhile fails at once: then one
  // more try on a fresh connection.
  for (int attempt = 0;; ++attempt) {
    const bool reused = i.connected();
    if (!reused)
      if (auto connected = i.connect(deadline); !connected) return failed(connected.error().message);
    http::request<http::string_body> req{http::verb::post, i.url.target, 11};
    req.set(http::field::host, i.url.host);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, "mailboxd");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::response<http::string_body> res;
    beast::error_code ec;
    i.buffer.consume(i.buffer.size());
    i.tcp().expires_after(left());
    if (i.secure)
      i.exchange(*i.secure, req, res, ec);
    else
      i.exchange(*i.plain, req, res, ec);
    if (ec) {
      if (reused && attempt == 0 && ec != beast::error::timeout) {
        i.drop();
        continue;
      }
      return failed(ec == beast::error::timeout ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                                : ec.message());
    }
    if (!res.keep_alive()) i.drop();
    return ClientResponse{static_cast<int>(res.result_int()), std::move(res.body())};
  }
}

}  // namespace mailbox::clients
