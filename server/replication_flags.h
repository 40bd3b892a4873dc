#pragma once
// The replication flags of mailboxd (--replicate, --follow and their options) and the
// checks of their values; docs/replication.md explains them.

#include <boost/program_options/options_description.hpp>
#include <boost/program_options/variables_map.hpp>

#include <optional>
#include <string>

#include "app/replication/replication_options.h"

namespace mailbox::server {

// The flags' raw values, as parsed.
struct ReplicationFlags {
  std::string replicate, follow, mode = "async", stream = "MAILBOX", max_age, max_bytes, advertise_url, nkey, creds;
  int replicas = 1;
  std::uint64_t follow_max_lag = 1000;
  int linger_ms = 10;
  int timeout_ms = 2000;
  bool exit_when_fenced = false;
};

void add_replication_flags(boost::program_options::options_description& flags, ReplicationFlags& f);
// The environment variables of those flags: the flag's name for a variable, or empty.
std::string replication_flag_of_env(const std::string& variable);
// Checks the values and fills out. Returns the error to print (without "mailboxd: ").
std::optional<std::string> to_replication_options(const ReplicationFlags& f, const std::string& ca_file,
                                                  replication::ReplicationOptions& out);
// "30d", "12h", "90m", "45s" in seconds; "50GB", "512MB", "1024KB", "100" in bytes.
std::optional<std::int64_t> parse_duration_seconds(const std::string& text);
std::optional<std::int64_t> parse_size_bytes(const std::string& text);

}  // namespace mailbox::server
