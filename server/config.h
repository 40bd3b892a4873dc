#pragma once
// mailboxd's configuration: command-line flags, each with an environment variable
// behind it (MAILBOX_DATA, MAILBOX_LISTEN, ...). Flags win over the environment.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "app/publisher/publisher_options.h"
#include "app/replication/replication_options.h"
#include "server/client_address.h"
#include "server/http_server.h"

namespace mailbox::server {

// Connections the --metrics-listen listener serves at once (scrapers are few).
inline constexpr std::size_t kMetricsConnections = 16;

struct Config {
  std::string data_dir = "./data";
  ServerOptions http;
  std::string log_level = "info";
  std::string payment_url;   // empty: every send is approved
  std::chrono::milliseconds payment_timeout{500};
  std::string alarm_webhook;  // empty: alarms go to the log
  // PEM CA certificates that https:// payment and webhook URLs are trusted with, besides
  // the system store; empty: the system store alone.
  std::string ca_file;
  // SIGTERM to exit, at most: draining connections, then stopping the engine.
  std::chrono::milliseconds drain_timeout{8000};

  // Identity (README "Beyond loopback"). No key file: open mode, loopback clients only.
  std::string auth_hs256_secret_file;
  std::string auth_public_keys;
  std::string auth_issuer, auth_audience;
  bool insecure_no_auth = false;  // serve non-loopback clients without keys (say so loudly)
  std::vector<std::string> cors_origins, public_hosts;
  std::string public_origin;
  std::vector<Cidr> trusted_proxies;
  std::optional<ServerOptions> metrics_listen;  // /metrics alone, open, on its own address
  int max_open_files = 512;            // per RocksDB database
  std::size_t max_live_subscribers = 1024;  // live streams (SSE) at once
  // Sends per principal and second, and burst; with keys 20 and 200 unless given, in open
  // mode no limit unless given. 0: no limit.
  double send_rate = 20, send_burst = 200;
  bool send_limit_given = false;  // --send-rate or --send-burst was set
  std::size_t max_pending_appends = 65'536;  // events waiting for the log's writer
  bool max_connections_given = false;  // --max-connections was set (else it may be lowered to fit)
  std::string web_dir;  // serve the web page from this folder; empty: the files built in
  replication::ReplicationOptions replication;  // --replicate, --follow (docs/replication.md)
  publisher::PublisherOptions events;  // --publish-events (docs/events.md)
  std::string backup_dir;  // POST /admin/backup writes here; empty: backups are off
  bool has_keys() const { return !auth_hs256_secret_file.empty() || !auth_public_keys.empty(); }
};

struct ConfigExit {
  int code;             // 0 for --help, 2 for a usage error
  std::string message;  // what to print (help text or the error)
};

// Parses argv and the environment. Returns the config, or what to print and the exit code.
std::variant<Config, ConfigExit> parse_config(int argc, const char* const* argv);

// Protected mode for the address served on (c.http.host; `where` names it in the
// refusal): without keys, a non-loopback address is refused (exit 2) unless
// --insecure-no-auth, and only loopback clients are served unless --insecure-no-auth.
// parse_config applies it to --listen; main again to an inherited socket's address.
std::optional<ConfigExit> apply_protected_mode(Config& c, const std::string& where);

}  // namespace mailbox::server
