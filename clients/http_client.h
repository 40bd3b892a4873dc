#pragma once
// A small blocking HTTP/1.1 client for calls to other services (payment, webhook): one
// kept-alive connection, every call bounded by a timeout. Not thread-safe: one per
// calling thread. Beast stays inside http_client.cc.

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
  // Parses http://HOST[:PORT][/PATH]; nullopt otherwise (https is not supported).
  static std::optional<Url> parse(std::string_view text);
};

struct ClientResponse {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  explicit HttpClient(Url url);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;

  // POSTs a JSON body to the URL's target. Errors (all unavailable): the connection is
  // refused or breaks, or no full answer came within the timeout.
  eventstore::Result<ClientResponse> post_json(const std::string& body,
                                               const std::map<std::string, std::string>& headers,
                                               std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace mailbox::clients
