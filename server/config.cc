#include "server/config.h"

#include "server/event_flags.h"
#include "server/replication_flags.h"

#include <boost/program_options.hpp>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <utility>

namespace mailbox::server {

namespace po = boost::program_options;

namespace {

bool parse_listen(const std::string& text, ServerOptions& http) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host == "localhost") host = "127.0.0.1";
  const std::string port = text.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) return false;
  const unsigned long n = std::stoul(port);
  if (n > 65535) return false;
  http.host = host;
  http.port = static_cast<std::uint16_t>(n);
  return true;
}

}  // namespace

std::variant<Config, ConfigExit> parse_config(int argc, const char* const* argv) {
  Config c;
  std::string listen = "127.0.0.1:8080";
  long long idle_ms = c.http.idle_timeout.count(), read_ms = c.http.read_timeout.count();
  long long payment_ms = c.payment_timeout.count(), drain_ms = c.drain_timeout.count();
  std::string cors, public_hosts, trusted, metrics_listen;
  po::options_description flags(
      "mailboxd: the Mailbox service (HTTP API over an embedded event log)\n\n"
      "Usage: mailboxd [options]\n\nOptions (each also from the environment variable shown)");
  // clang-format off
  flags.add_options()
    ("help,h", "print this help and exit")
    ("data", po::value(&c.data_dir)->default_value(c.data_dir), "data folder, holds log/ and views/ [MAILBOX_DATA]")
    ("listen", po::value(&listen)->default_value(listen), "address and port to serve HTTP on [MAILBOX_LISTEN]")
    ("threads", po::value(&c.http.threads)->default_value(c.http.threads), "HTTP I/O threads [MAILBOX_THREADS]")
    ("log-level", po::value(&c.log_level)->default_value(c.log_level),
        "trace, debug, info, warn, error or off [MAILBOX_LOG_LEVEL]")
    ("max-connections", po::value(&c.http.max_connections)->default_value(c.http.max_connections),
        "open connections at most; more get a 503 [MAILBOX_MAX_CONNECTIONS]")
    ("max-connections-per-ip", po::value(&c.http.max_connections_per_ip)->default_value(c.http.max_connections_per_ip),
        "open connections from one client address (trusted proxies are not counted) [MAILBOX_MAX_CONNECTIONS_PER_IP]")
    ("max-open-files", po::value(&c.max_open_files)->default_value(c.max_open_files),
        "files RocksDB may keep open, per database (the log, the views) [MAILBOX_MAX_OPEN_FILES]")
    ("max-live-subscribers", po::value(&c.max_live_subscribers)->default_value(c.max_live_subscribers),
        "live streams (GET /events/live, /readmails/live) open at once; with keys also at most 8 per user "
        "[MAILBOX_MAX_LIVE_SUBSCRIBERS]")
    ("send-rate", po::value(&c.send_rate)->default_value(c.send_rate),
        "sends per second per user (token subject), 0 for no limit; past it 429. In open mode only when given "
        "[MAILBOX_SEND_RATE]")
    ("send-burst", po::value(&c.send_burst)->default_value(c.send_burst),
        "sends a user may make at once before --send-rate applies [MAILBOX_SEND_BURST]")
    ("max-pending-appends", po::value(&c.max_pending_appends)->default_value(c.max_pending_appends),
        "events waiting for the log's writer, at most; past it sends get 503 [MAILBOX_MAX_PENDING_APPENDS]")
    ("idle-timeout-ms", po::value(&idle_ms)->default_value(idle_ms),
        "close a kept-alive connection idle this long [MAILBOX_IDLE_TIMEOUT_MS]")
    ("read-timeout-ms", po::value(&read_ms)->default_value(read_ms),
        "a begun request must arrive whole within this [MAILBOX_READ_TIMEOUT_MS]")
    ("payment-url", po::value(&c.payment_url),
        "payment service to ask before each send, http(s)://HOST:PORT/PATH; none: every send is approved "
        "[MAILBOX_PAYMENT_URL]")
    ("payment-timeout-ms", po::value(&payment_ms)->default_value(payment_ms),
        "how long a payment call may take [MAILBOX_PAYMENT_TIMEOUT_MS]")
    ("alarm-webhook", po::value(&c.alarm_webhook),
        "deliver alarms by POST to this http(s):// URL instead of the log [MAILBOX_ALARM_WEBHOOK]")
    ("ca-file", po::value(&c.ca_file),
        "PEM CA certificates trusted for https:// URLs besides the system's [MAILBOX_CA_FILE]")
    ("drain-timeout-ms", po::value(&drain_ms)->default_value(drain_ms),
        "on SIGTERM, exit within this: in-flight requests answered, the rest cut [MAILBOX_DRAIN_TIMEOUT_MS]")
    ("auth-hs256-secret-file", po::value(&c.auth_hs256_secret_file),
        "HS256 key: the file's bytes (one trailing newline removed), at least 32 [MAILBOX_AUTH_HS256_SECRET_FILE]")
    ("auth-public-keys", po::value(&c.auth_public_keys),
        "RS256/ES256 keys: PEM public keys or a JWKS document [MAILBOX_AUTH_PUBLIC_KEYS]")
    ("auth-issuer", po::value(&c.auth_issuer), "tokens' iss must be this [MAILBOX_AUTH_ISSUER]")
    ("auth-audience", po::value(&c.auth_audience), "tokens' aud must hold this [MAILBOX_AUTH_AUDIENCE]")
    ("insecure-no-auth", po::bool_switch(&c.insecure_no_auth),
        "serve clients beyond loopback without keys: anyone may do anything [MAILBOX_INSECURE_NO_AUTH]")
    ("cors-origin", po::value(&cors), "origins (comma-separated) whose pages may call this API [MAILBOX_CORS_ORIGIN]")
    ("public-host", po::value(&public_hosts),
        "host names (comma-separated) this server answers for beyond loopback [MAILBOX_PUBLIC_HOST]")
    ("public-origin", po::value(&c.public_origin),
        "this server's own origin behind a TLS proxy, e.g. https://mail.example [MAILBOX_PUBLIC_ORIGIN]")
    ("trusted-proxies", po::value(&trusted),
        "proxies (CIDR, comma-separated) whose X-Forwarded-For is believed [MAILBOX_TRUSTED_PROXIES]")
    ("metrics-listen", po::value(&metrics_listen),
        "serve /metrics alone, without a token, on this HOST:PORT [MAILBOX_METRICS_LISTEN]")
    ("web-dir", po::value(&c.web_dir),
        "serve the web page from this folder, read at each request (to edit it without a rebuild); "
        "default: the files built in [MAILBOX_WEB_DIR]")
    ("backup-dir", po::value(&c.backup_dir),
        "folder POST /admin/backup writes backups into (created when missing); none: backups are off "
        "[MAILBOX_BACKUP_DIR]");
  // clang-format on
  ReplicationFlags replication;
  add_replication_flags(flags, replication);
  EventFlags events;
  add_event_flags(flags, events);
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, flags), vm);
    po::store(po::parse_environment(flags,
                                    [](const std::string& env) -> std::string {
                                      static const std::pair<const char*, const char*> kNames[] = {
                                          {"MAILBOX_DATA", "data"},
                                          {"MAILBOX_LISTEN", "listen"},
                                          {"MAILBOX_THREADS", "threads"},
                                          {"MAILBOX_LOG_LEVEL", "log-level"},
                                          {"MAILBOX_MAX_CONNECTIONS", "max-connections"},
                                          {"MAILBOX_MAX_CONNECTIONS_PER_IP", "max-connections-per-ip"},
                                          {"MAILBOX_MAX_OPEN_FILES", "max-open-files"},
                                          {"MAILBOX_MAX_LIVE_SUBSCRIBERS", "max-live-subscribers"},
                                          {"MAILBOX_SEND_RATE", "send-rate"},
                                          {"MAILBOX_MAX_PENDING_APPENDS", "max-pending-appends"},
                                          {"MAILBOX_SEND_BURST", "send-burst"},
                                          {"MAILBOX_IDLE_TIMEOUT_MS", "idle-timeout-ms"},
                                          {"MAILBOX_READ_TIMEOUT_MS", "read-timeout-ms"},
                                          {"MAILBOX_PAYMENT_URL", "payment-url"},
                                          {"MAILBOX_PAYMENT_TIMEOUT_MS", "payment-timeout-ms"},
                                          {"MAILBOX_ALARM_WEBHOOK", "alarm-webhook"},
                                          {"MAILBOX_CA_FILE", "ca-file"},
                                          {"MAILBOX_DRAIN_TIMEOUT_MS", "drain-timeout-ms"},
                                          {"MAILBOX_AUTH_HS256_SECRET_FILE", "auth-hs256-secret-file"},
                                          {"MAILBOX_AUTH_PUBLIC_KEYS", "auth-public-keys"},
                                          {"MAILBOX_AUTH_ISSUER", "auth-issuer"},
                                          {"MAILBOX_AUTH_AUDIENCE", "auth-audience"},
                                          {"MAILBOX_INSECURE_NO_AUTH", "insecure-no-auth"},
                                          {"MAILBOX_CORS_ORIGIN", "cors-origin"},
                                          {"MAILBOX_PUBLIC_HOST", "public-host"},
                                          {"MAILBOX_PUBLIC_ORIGIN", "public-origin"},
                                          {"MAILBOX_TRUSTED_PROXIES", "trusted-proxies"},
                                          {"MAILBOX_METRICS_LISTEN", "metrics-listen"},
                                          {"MAILBOX_WEB_DIR", "web-dir"},
                                          {"MAILBOX_BACKUP_DIR", "backup-dir"}};
                                      for (const auto& [var, flag] : kNames)
                                        if (env == var) return flag;
                                      if (auto flag = replication_flag_of_env(env); !flag.empty()) return flag;
                                      return event_flag_of_env(env);
                                    }),
              vm);
    if (vm.count("help")) {
      std::ostringstream help;
      help << flags;
      return ConfigExit{0, help.str()};
    }
    po::notify(vm);
  } catch (const po::error& e) {
    return ConfigExit{2, std::string("mailboxd: ") + e.what() + " (see --help)"};
  }
  if (!parse_listen(listen, c.http))
    return ConfigExit{2, "mailboxd: --listen must be HOST:PORT, e.g. 127.0.0.1:8080, not '" + listen + "'"};
  if (c.http.threads < 1 || c.http.threads > 256) return ConfigExit{2, "mailboxd: --threads must be 1 to 256"};
  c.max_connections_given = !vm["max-connections"].defaulted();
  if (c.max_pending_appends < 1) return ConfigExit{2, "mailboxd: --max-pending-appends must be at least 1"};
  if (!(c.send_rate >= 0 && c.send_rate <= 1e6)) return ConfigExit{2, "mailboxd: --send-rate must be 0 to 1000000"};
  if (!(c.send_burst >= 1 && c.send_burst <= 1e6)) return ConfigExit{2, "mailboxd: --send-burst must be 1 to 1000000"};
  // Open mode has no principals: sends are limited only when asked to.
  c.send_limit_given = !vm["send-rate"].defaulted() || !vm["send-burst"].defaulted();
  if (c.http.max_connections < 1) return ConfigExit{2, "mailboxd: --max-connections must be at least 1"};
  if (c.http.max_connections_per_ip < 1) return ConfigExit{2, "mailboxd: --max-connections-per-ip must be at least 1"};
  if (c.max_open_files < 20 || c.max_open_files > 1'000'000)
    return ConfigExit{2, "mailboxd: --max-open-files must be 20 to 1000000"};
  if (c.log_level != "trace" && c.log_level != "debug" && c.log_level != "info" && c.log_level != "warn" &&
      c.log_level != "error" && c.log_level != "off")
    return ConfigExit{2, "mailboxd: --log-level must be trace, debug, info, warn, error or off"};
  if (idle_ms < 1 || read_ms < 1 || payment_ms < 1 || drain_ms < 1)
    return ConfigExit{2, "mailboxd: timeouts must be positive"};
  c.drain_timeout = std::chrono::milliseconds(drain_ms);
  c.payment_timeout = std::chrono::milliseconds(payment_ms);
  for (const auto& [flag, url] : {std::pair{"--payment-url", &c.payment_url}, {"--alarm-webhook", &c.alarm_webhook}})
    if (!url->empty() && !url->starts_with("http://") && !url->starts_with("https://"))
      return ConfigExit{2, std::string("mailboxd: ") + flag + " '" + *url + "' is not an http:// or https:// URL"};
  c.http.idle_timeout = std::chrono::milliseconds(idle_ms);
  c.http.read_timeout = std::chrono::milliseconds(read_ms);

  auto split = [](const std::string& list) {
    std::vector<std::string> out;
    std::stringstream in(list);
    for (std::string one; std::getline(in, one, ',');)
      if (!one.empty()) out.push_back(one);
    return out;
  };
  c.cors_origins = split(cors);
  c.public_hosts = split(public_hosts);
  if (!trusted.empty()) {
    auto cidrs = parse_cidrs(trusted);
    if (!cidrs) return ConfigExit{2, "mailboxd: --trusted-proxies must be CIDRs, e.g. 10.0.0.0/8,::1, not '" + trusted + "'"};
    c.trusted_proxies = std::move(*cidrs);
    c.http.per_ip_exempt = c.trusted_proxies;  // a proxy's connections carry many clients
  }
  if (!metrics_listen.empty()) {
    ServerOptions metrics = c.http;
    metrics.threads = 1;
    metrics.max_connections = kMetricsConnections;
    if (!parse_listen(metrics_listen, metrics))
      return ConfigExit{2, "mailboxd: --metrics-listen must be HOST:PORT, not '" + metrics_listen + "'"};
    c.metrics_listen = metrics;
  }
  if (auto error = to_replication_options(replication, c.ca_file, c.replication))
    return ConfigExit{2, "mailboxd: " + *error};
  if (auto error = to_publisher_options(events, replication, c.ca_file, c.events))
    return ConfigExit{2, "mailboxd: " + *error};
  if (!c.web_dir.empty()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(c.web_dir, ec))
      return ConfigExit{2, "mailboxd: --web-dir '" + c.web_dir + "' is not a folder"};
    if (!std::filesystem::is_regular_file(std::filesystem::path(c.web_dir) / "index.html", ec))
      return ConfigExit{2, "mailboxd: --web-dir '" + c.web_dir + "' has no index.html"};
  }
  if (!c.backup_dir.empty()) {
    std::error_code ec;
    if (std::filesystem::exists(c.backup_dir, ec) && !std::filesystem::is_directory(c.backup_dir, ec))
      return ConfigExit{2, "mailboxd: --backup-dir '" + c.backup_dir + "' is not a folder"};
  }
  if (auto refused = apply_protected_mode(c, "--listen " + listen)) return *refused;
  return c;
}

std::optional<ConfigExit> apply_protected_mode(Config& c, const std::string& where) {
  // Protected mode, as Redis has it: without keys, loopback only, unless told otherwise.
  if (!c.has_keys()) {
    if (!is_loopback(c.http.host) && !c.insecure_no_auth)
      return ConfigExit{2, "mailboxd: " + where +
                               " is not a loopback address, and no key is configured: anyone who reaches it could "
                               "send as anyone and read every mailbox. Give --auth-hs256-secret-file or "
                               "--auth-public-keys (see README, Beyond loopback), or --insecure-no-auth to accept that."};
    c.http.loopback_clients_only = !c.insecure_no_auth;
  }
  return std::nullopt;
}

}  // namespace mailbox::server
