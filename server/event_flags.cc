#include "server/event_flags.h"

#include <boost/program_options.hpp>

#include <sstream>
#include <utility>

namespace mailbox::server {

namespace po = boost::program_options;

namespace {

bool is_name(const std::string& s) {
  return !s.empty() && s.size() <= 64 &&
         s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == std::string::npos;
}

// Tokens of letters, digits, '_' or '-' separated by dots: no wildcard, no empty token.
bool is_subject_prefix(const std::string& s) {
  if (s.empty() || s.size() > 128) return false;
  std::stringstream in(s);
  for (std::string token; std::getline(in, token, '.');)
    if (!is_name(token)) return false;
  return s.back() != '.';
}

}  // namespace

void add_event_flags(po::options_description& flags, EventFlags& f) {
  // clang-format off
  flags.add_options()
    ("publish-events", po::value(&f.urls),
        "publish each event of the log as JSON for other services to NATS JetStream at these URLs (comma-separated "
        "nats:// or tls://; on the writer or a replica) [MAILBOX_PUBLISH_EVENTS]")
    ("publish-events-stream", po::value(&f.stream)->default_value(f.stream),
        "the JetStream stream of the events, created when missing [MAILBOX_PUBLISH_EVENTS_STREAM]")
    ("publish-events-subject", po::value(&f.subject)->default_value(f.subject),
        "the subjects' prefix: an event goes to PREFIX.<type>, e.g. mailbox.events.Sent "
        "[MAILBOX_PUBLISH_EVENTS_SUBJECT]")
    ("publish-events-replicas", po::value(&f.replicas)->default_value(f.replicas),
        "the events stream's replicas when it is created (1 to 5) [MAILBOX_PUBLISH_EVENTS_REPLICAS]");
  // clang-format on
}

std::string event_flag_of_env(const std::string& variable) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"MAILBOX_PUBLISH_EVENTS", "publish-events"},
      {"MAILBOX_PUBLISH_EVENTS_STREAM", "publish-events-stream"},
      {"MAILBOX_PUBLISH_EVENTS_SUBJECT", "publish-events-subject"},
      {"MAILBOX_PUBLISH_EVENTS_REPLICAS", "publish-events-replicas"}};
  for (const auto& [var, flag] : kNames)
    if (variable == var) return flag;
  return "";
}

std::optional<std::string> to_publisher_options(const EventFlags& f, const ReplicationFlags& replication,
                                                const std::string& ca_file, publisher::PublisherOptions& out) {
  if (f.urls.empty()) return std::nullopt;
  std::stringstream in(f.urls);
  for (std::string one; std::getline(in, one, ',');)
    if (!one.empty()) out.nats.urls.push_back(one);
  if (out.nats.urls.empty()) return "--publish-events needs at least one URL";
  for (const auto& u : out.nats.urls)
    if (!u.starts_with("nats://") && !u.starts_with("tls://"))
      return "--publish-events '" + u + "' is not a nats:// or tls:// URL";
  if (!is_name(f.stream))
    return "--publish-events-stream must be 1 to 64 letters, digits, '_' or '-', not '" + f.stream + "'";
  if (!is_subject_prefix(f.subject))
    return "--publish-events-subject must be words of letters, digits, '_' or '-' joined by dots, e.g. "
           "mailbox.events, not '" + f.subject + "'";
  if (f.stream == replication.stream && (!replication.replicate.empty() || !replication.follow.empty()))
    return "--publish-events-stream must not be the log's stream (--replicate-stream " + replication.stream + ")";
  if (replication::log_subject(replication.stream).starts_with(f.subject + "."))
    return "--publish-events-subject " + f.subject + " would take in the log's subject " +
           replication::log_subject(replication.stream);
  if (f.replicas < 1 || f.replicas > 5) return "--publish-events-replicas must be 1 to 5";
  out.stream = f.stream;
  out.subject_prefix = f.subject;
  out.replicas = f.replicas;
  out.nats.nkey_seed_file = replication.nkey;
  out.nats.creds_file = replication.creds;
  out.nats.ca_file = ca_file;
  out.nats.name = "mailboxd-events";
  return std::nullopt;
}

}  // namespace mailbox::server
