#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include "clients/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <charconv>

namespace mailbox::clients {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::optional<Url> Url::parse(std::string_view text) {
  constexpr std::string_view scheme = "http://";
  if (!text.starts_with(scheme)) return std::nullopt;
  text.remove_prefix(scheme.size());
  Url url;
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

struct HttpClient::Impl {
  Url url;
  asio::io_context ioc;
  std::optional<beast::tcp_stream> stream;
  beast::flat_buffer buffer;
};

HttpClient::HttpClient(Url url) : impl_(std::make_unique<Impl>()) { impl_->url = std::move(url); }
HttpClient::~HttpClient() = default;

eventstore::Result<ClientResponse> HttpClient::post_json(const std::string& body,
                                                         const std::map<std::string, std::string>& headers,
                                                         std::chrono::milliseconds timeout) {
  auto& i = *impl_;
  const std::string where = "http://" + i.url.host + ":" + std::to_string(i.url.port) + i.url.target;
  auto failed = [&](const std::string& what) {
    i.stream.reset();  // a broken or timed-out connection is not reused
    return eventstore::fail(eventstore::Code::unavailable, where + ": " + what);
  };
  beast::error_code ec;
  // Each step is asynchronous under the stream's deadline; run() drives it to the end.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto left = [&] { return std::max(deadline - std::chrono::steady_clock::now(), std::chrono::steady_clock::duration(0)); };
  // A kept-alive connection the server has closed meanwhile fails at once: then one
  // more try on a fresh connection.
  for (int attempt = 0;; ++attempt) {
    const bool reused = i.stream.has_value();
    if (!i.stream) {
      tcp::resolver resolver(i.ioc);
      auto endpoints = resolver.resolve(i.url.host, std::to_string(i.url.port), ec);
      if (ec) return failed("cannot resolve: " + ec.message());
      i.stream.emplace(i.ioc);
      i.stream->expires_after(left());
      i.stream->async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
      i.ioc.restart();
      i.ioc.run();
      if (ec) return failed(ec == beast::error::timeout ? "connect timed out" : "cannot connect: " + ec.message());
    }
    http::request<http::string_body> req{http::verb::post, i.url.target, 11};
    req.set(http::field::host, i.url.host);
    req.set(http::field::content_type, "application/json");
    req.set(http::field::user_agent, "mailboxd");
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.prepare_payload();
    http::response<http::string_body> res;
    i.buffer.consume(i.buffer.size());
    i.stream->expires_after(left());
    http::async_write(*i.stream, req, [&](beast::error_code e, std::size_t) {
      ec = e;
      if (ec) return;
      http::async_read(*i.stream, i.buffer, res, [&](beast::error_code e2, std::size_t) { ec = e2; });
    });
    i.ioc.restart();
    i.ioc.run();
    if (ec) {
      if (reused && attempt == 0 && ec != beast::error::timeout) {
        i.stream.reset();
        continue;
      }
      return failed(ec == beast::error::timeout ? "no answer within " + std::to_string(timeout.count()) + " ms"
                                                : ec.message());
    }
    if (!res.keep_alive()) i.stream.reset();
    return ClientResponse{static_cast<int>(res.result_int()), std::move(res.body())};
  }
}

}  // namespace mailbox::clients
