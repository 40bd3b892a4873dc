#include "server/replication_flags.h"

#include <boost/program_options.hpp>

#include <charconv>
#include <sstream>
#include <utility>

namespace mailbox::server {

namespace po = boost::program_options;

namespace {

// A number followed by one of the units, e.g. "30d".
std::optional<std::int64_t> with_unit(const std::string& text,
                                      std::initializer_list<std::pair<const char*, std::int64_t>> units) {
  std::int64_t n = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, n);
  if (ec != std::errc() || p == text.data() || n < 0) return std::nullopt;
  const std::string unit(p, end);
  for (const auto& [name, factor] : units)
    if (unit == name) {
      if (n > INT64_MAX / factor) return std::nullopt;
      return n * factor;
    }
  return std::nullopt;
}

std::vector<std::string> split_urls(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  for (std::string one; std::getline(in, one, ',');)
    if (!one.empty()) out.push_back(one);
  return out;
}

}  // namespace

std::optional<std::int64_t> parse_duration_seconds(const std::string& text) {
  return with_unit(text, {{"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}});
}

std::optional<std::int64_t> parse_size_bytes(const std::string& text) {
  return with_unit(text, {{"", 1}, {"B", 1}, {"KB", 1LL << 10}, {"MB", 1LL << 20}, {"GB", 1LL << 30}, {"TB", 1LL << 40}});
}

void add_replication_flags(po::options_description& flags, ReplicationFlags& f) {
  // clang-format off
  flags.add_options()
    ("replicate", po::value(&f.replicate),
        "ship the log to NATS JetStream at these URLs (comma-separated nats:// or tls://, user:password@ allowed) "
        "[MAILBOX_REPLICATE]")
    ("follow", po::value(&f.follow),
        "be a read replica: copy the log from NATS JetStream at these URLs [MAILBOX_FOLLOW]")
    ("replicate-mode", po::value(&f.mode)->default_value(f.mode),
        "async: a send is answered once durable on this disk, the log ships after; sync: once JetStream has "
        "acknowledged it, and nothing JetStream lacks is acted on (a replica takes it up when promoted) "
        "[MAILBOX_REPLICATE_MODE]")
    ("replicate-timeout-ms", po::value(&f.timeout_ms)->default_value(f.timeout_ms),
        "sync mode: a send JetStream has not acknowledged within this long is answered 503 outcome_unknown "
        "(100 to 60000) [MAILBOX_REPLICATE_TIMEOUT_MS]")
    ("replicate-stream", po::value(&f.stream)->default_value(f.stream),
        "the JetStream stream of the log; its subject is the name in lower case plus .log [MAILBOX_REPLICATE_STREAM]")
    ("replicate-replicas", po::value(&f.replicas)->default_value(f.replicas),
        "the stream's replicas when it is created (1 to 5; 3 for R3) [MAILBOX_REPLICATE_REPLICAS]")
    ("replicate-max-age", po::value(&f.max_age),
        "the stream keeps messages this long, e.g. 30d (default: forever) [MAILBOX_REPLICATE_MAX_AGE]")
    ("replicate-max-bytes", po::value(&f.max_bytes),
        "the stream keeps at most this much, e.g. 50GB (at least 8KB; default: no limit) [MAILBOX_REPLICATE_MAX_BYTES]")
    ("replicate-linger-ms", po::value(&f.linger_ms)->default_value(f.linger_ms),
        "a small message of the log waits this long for more events before it is published (0 to 1000; 0: "
        "at once) [MAILBOX_REPLICATE_LINGER_MS]")
    ("exit-when-fenced", po::bool_switch(&f.exit_when_fenced),
        "a writer that another writer has fenced shuts down with exit code 3 instead of staying up refusing sends "
        "[MAILBOX_EXIT_WHEN_FENCED]")
    ("advertise-url", po::value(&f.advertise_url),
        "this writer's URL, written in its writer epoch; replicas point clients there [MAILBOX_ADVERTISE_URL]")
    ("follow-max-lag", po::value(&f.follow_max_lag)->default_value(f.follow_max_lag),
        "a replica is ready (/readyz) within this many events of the stream [MAILBOX_FOLLOW_MAX_LAG]")
    ("nats-nkey", po::value(&f.nkey), "a file holding the NATS user nkey seed (SU...) [MAILBOX_NATS_NKEY]")
    ("nats-creds", po::value(&f.creds), "a NATS credentials file (user JWT and seed) [MAILBOX_NATS_CREDS]");
  // clang-format on
}

std::string replication_flag_of_env(const std::string& variable) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"MAILBOX_REPLICATE", "replicate"},
      {"MAILBOX_FOLLOW", "follow"},
      {"MAILBOX_REPLICATE_MODE", "replicate-mode"},
      {"MAILBOX_REPLICATE_TIMEOUT_MS", "replicate-timeout-ms"},
      {"MAILBOX_REPLICATE_STREAM", "replicate-stream"},
      {"MAILBOX_REPLICATE_REPLICAS", "replicate-replicas"},
      {"MAILBOX_REPLICATE_MAX_AGE", "replicate-max-age"},
      {"MAILBOX_REPLICATE_MAX_BYTES", "replicate-max-bytes"},
      {"MAILBOX_REPLICATE_LINGER_MS", "replicate-linger-ms"},
      {"MAILBOX_EXIT_WHEN_FENCED", "exit-when-fenced"},
      {"MAILBOX_ADVERTISE_URL", "advertise-url"},
      {"MAILBOX_FOLLOW_MAX_LAG", "follow-max-lag"},
      {"MAILBOX_NATS_NKEY", "nats-nkey"},
      {"MAILBOX_NATS_CREDS", "nats-creds"}};
  for (const auto& [var, flag] : kNames)
    if (variable == var) return flag;
  return "";
}

std::optional<std::string> to_replication_options(const ReplicationFlags& f, const std::string& ca_file,
                                                  replication::ReplicationOptions& out) {
  if (!f.replicate.empty() && !f.follow.empty())
    return "--replicate and --follow exclude each other: a process is the writer or a replica";
  if (f.mode != "async" && f.mode != "sync") return "--replicate-mode must be async or sync, not '" + f.mode + "'";
  if (f.timeout_ms < 100 || f.timeout_ms > 60000) return "--replicate-timeout-ms must be 100 to 60000";
  if (f.replicate.empty() && f.follow.empty()) {
    if (f.mode == "sync") return "--replicate-mode sync needs --replicate (or --follow, for a replica to promote)";
    return std::nullopt;
  }
  out.mode = f.mode == "sync" ? replication::Mode::sync : replication::Mode::async;
  out.ack_timeout = std::chrono::milliseconds(f.timeout_ms);
  const std::string& urls = f.replicate.empty() ? f.follow : f.replicate;
  const char* flag = f.replicate.empty() ? "--follow" : "--replicate";
  out.role = f.replicate.empty() ? replication::Role::replica : replication::Role::writer;
  out.nats.urls = split_urls(urls);
  if (out.nats.urls.empty()) return std::string(flag) + " needs at least one URL";
  for (const auto& u : out.nats.urls)
    if (!u.starts_with("nats://") && !u.starts_with("tls://"))
      return std::string(flag) + " '" + u + "' is not a nats:// or tls:// URL";
  if (f.stream.empty() || f.stream.size() > 64 ||
      f.stream.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") != std::string::npos)
    return "--replicate-stream must be 1 to 64 letters, digits, '_' or '-', not '" + f.stream + "'";
  out.stream = f.stream;
  if (f.replicas < 1 || f.replicas > 5) return "--replicate-replicas must be 1 to 5";
  out.replicas = f.replicas;
  if (!f.max_age.empty()) {
    auto seconds = parse_duration_seconds(f.max_age);
    if (!seconds || *seconds == 0) return "--replicate-max-age must be like 30d, 12h, 90m or 45s, not '" + f.max_age + "'";
    out.max_age_seconds = *seconds;
  }
  if (!f.max_bytes.empty()) {
    auto bytes = parse_size_bytes(f.max_bytes);
    if (!bytes || *bytes == 0) return "--replicate-max-bytes must be like 50GB, 512MB or 1048576, not '" + f.max_bytes + "'";
    // Messages hold an eighth of the limit, 1 KiB at least (docs/replication.md).
    if (*bytes < 8192) return "--replicate-max-bytes must be at least 8KB, not '" + f.max_bytes + "'";
    out.max_bytes = *bytes;
  }
  if (f.linger_ms < 0 || f.linger_ms > 1000) return "--replicate-linger-ms must be 0 to 1000";
  out.linger = std::chrono::milliseconds(f.linger_ms);
  out.exit_when_fenced = f.exit_when_fenced;
  if (!f.advertise_url.empty() && !f.advertise_url.starts_with("http://") && !f.advertise_url.starts_with("https://"))
    return "--advertise-url '" + f.advertise_url + "' is not an http:// or https:// URL";
  out.advertise_url = f.advertise_url;
  if (f.follow_max_lag < 1) return "--follow-max-lag must be at least 1";
  out.follow_max_lag = f.follow_max_lag;
  if (!f.nkey.empty() && !f.creds.empty()) return "--nats-nkey and --nats-creds exclude each other";
  out.nats.nkey_seed_file = f.nkey;
  out.nats.creds_file = f.creds;
  out.nats.ca_file = ca_file;
  return std::nullopt;
}

}  // namespace mailbox::server
