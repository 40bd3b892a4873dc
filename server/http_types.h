#pragma once
// Plain HTTP request and response values, so that handlers know nothing of sockets or
// of Beast: the transport (http_server.cc) converts to and from these.

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailbox::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query
  std::string path;    // percent-decoded path, without the query
  std::map<std::string, std::string, std::less<>> query;    // decoded query parameters
  std::map<std::string, std::string, std::less<>> headers;  // lower-case names
  std::string body;
  std::string peer;  // the client's IP address, as the transport sees it

  std::optional<std::string_view> header(std::string_view name) const;
  std::optional<std::string_view> param(std::string_view name) const;
};

// A stream of chunks written after the headers (Server-Sent Events). The transport asks
// for one chunk at a time; deliver may run on any thread, once per request; nullopt ends
// the stream.
class ChunkStream {
 public:
  virtual ~ChunkStream() = default;
  virtual void next(std::function<void(std::optional<std::string> chunk)> deliver) = 0;
  // The connection is going away: end any wait for the next chunk soon.
  virtual void cancel() = 0;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::shared_ptr<ChunkStream> stream;  // set: the body is this stream, sent as it comes
  bool close = false;                   // close the connection after this response
};

// Hands a response back to the transport. May be called from any thread, exactly once.
using Respond = std::function<void(HttpResponse)>;

}  // namespace mailbox::server
