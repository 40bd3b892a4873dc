#pragma once
// A bound on live streams (GET /events/live, GET /readmails/live): at most max_total at
// once, and at most kPerPrincipal for one token's subject. A stream holds a ticket while
// it is open; the ticket goes back when the connection closes or the stream ends.

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "server/http_types.h"

namespace mailbox::server {

class LiveSubscribers {
 public:
  // Streams one token's subject may hold at once.
  static constexpr std::size_t kPerPrincipal = 8;

  explicit LiveSubscribers(std::size_t max_total);

  // stream, counted: nullptr when the bound is reached (for everyone, or for principal;
  // an empty principal, open mode, is counted in the total only).
  std::shared_ptr<ChunkStream> admit(std::shared_ptr<ChunkStream> stream, std::string_view principal);
  std::size_t open() const;

 private:
  struct State {
    std::mutex mutex;
    std::size_t total = 0;
    std::map<std::string, std::size_t, std::less<>> per_principal;
  };
  class Counted;
  const std::size_t max_total_;
  std::shared_ptr<State> state_;  // shared with the tickets, which may outlive this object
};

}  // namespace mailbox::server
