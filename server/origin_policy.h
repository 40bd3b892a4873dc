#pragma once
// Browser safety: which Host names the server answers for (in open mode only loopback
// ones, which stops DNS rebinding), which Origins may send state-changing requests (the
// server's own, and those named for CORS), and the CORS headers for the latter.

#include <optional>
#include <string>
#include <vector>

#include "server/http_types.h"
#include "server/reply.h"

namespace mailbox::server {

struct OriginPolicy {
  bool loopback_hosts_only = false;        // open mode: localhost, 127.0.0.1, [::1] only
  std::vector<std::string> public_hosts;   // --public-host: the names accepted (empty: any)
  std::string public_origin;               // --public-origin (behind a TLS proxy); empty: http://<Host>
  std::vector<std::string> cors_origins;   // --cors-origin: other origins allowed (CORS)
};

// A 403 host_not_allowed when the Host header names a host the policy does not answer
// for; none otherwise (a request without Host passes: no browser sends one).
std::optional<Problem> check_host(const OriginPolicy& policy, const HttpRequest& req);
// A 403 origin_not_allowed when req carries an Origin that is neither the server's own
// nor one named for CORS. For state-changing routes.
std::optional<Problem> check_origin(const OriginPolicy& policy, const HttpRequest& req);
// The CORS headers for a request from an origin named for CORS; none otherwise.
Headers cors_headers(const OriginPolicy& policy, const HttpRequest& req);

}  // namespace mailbox::server
