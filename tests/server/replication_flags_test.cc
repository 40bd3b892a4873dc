// mailboxd's replication flags (docs/replication.md): their defaults, and each bound
// crossed is exit 2 naming the flag.
#include <doctest/doctest.h>

#include <string>
#include <variant>
#include <vector>

#include "server/config.h"
#include "tests/support/parse_flags.h"

using namespace mailbox;

namespace {

std::variant<server::Config, server::ConfigExit> parse(std::vector<std::string> args) {
  return testing::parse_flags(std::move(args));
}

const char* const kNats = "nats://127.0.0.1:4222";

}  // namespace

TEST_CASE("replication is off by default, and --replicate and --follow set the role with the defaults of docs/replication.md") {
  CHECK(std::get<server::Config>(parse({})).replication.role == replication::Role::none);
  const auto writer = std::get<server::Config>(parse({"--replicate", kNats})).replication;
  CHECK(writer.role == replication::Role::writer);
  CHECK(writer.stream == "MAILBOX");
  CHECK(writer.replicas == 1);
  CHECK(writer.linger == std::chrono::milliseconds(10));
  CHECK(writer.follow_max_lag == 1000);
  CHECK(writer.mode == replication::Mode::async);
  CHECK(writer.ack_timeout == std::chrono::milliseconds(2000));
  const auto sync = std::get<server::Config>(
      parse({"--replicate", kNats, "--replicate-mode", "sync", "--replicate-timeout-ms", "100"})).replication;
  CHECK(sync.mode == replication::Mode::sync);
  CHECK(sync.ack_timeout == std::chrono::milliseconds(100));
  CHECK(std::get<server::Config>(parse({"--follow", kNats, "--replicate-mode", "sync"})).replication.mode ==
        replication::Mode::sync);
  const auto replica = std::get<server::Config>(parse({"--follow", "nats://a:4222,nats://b:4222"})).replication;
  CHECK(replica.role == replication::Role::replica);
  CHECK(replica.nats.urls == std::vector<std::string>{"nats://a:4222", "nats://b:4222"});
  CHECK(std::get<server::Config>(parse({"--replicate", kNats, "--replicate-linger-ms", "0"})).replication.linger.count() == 0);
  CHECK(std::get<server::Config>(parse({"--replicate", kNats, "--replicate-linger-ms", "1000"})).replication.linger.count() == 1000);
}

TEST_CASE("each replication flag past its bound is exit 2 naming the flag") {
  struct Case {
    std::vector<std::string> args;
    const char* named;
  } cases[] = {
      {{"--replicate", kNats, "--follow", kNats}, "--replicate and --follow"},
      {{"--replicate", "http://127.0.0.1:4222"}, "--replicate"},
      {{"--follow", ","}, "--follow"},
      {{"--replicate", kNats, "--replicate-replicas", "0"}, "--replicate-replicas"},
      {{"--replicate", kNats, "--replicate-replicas", "6"}, "--replicate-replicas"},
      {{"--replicate", kNats, "--replicate-stream", "a.b"}, "--replicate-stream"},
      {{"--replicate", kNats, "--replicate-stream", std::string(65, 'S')}, "--replicate-stream"},
      {{"--replicate", kNats, "--replicate-max-age", "0d"}, "--replicate-max-age"},
      {{"--replicate", kNats, "--replicate-max-age", "3 weeks"}, "--replicate-max-age"},
      {{"--replicate", kNats, "--replicate-max-bytes", "0"}, "--replicate-max-bytes"},
      {{"--replicate", kNats, "--replicate-max-bytes", "9ZB"}, "--replicate-max-bytes"},
      {{"--replicate", kNats, "--replicate-max-bytes", "8191"}, "--replicate-max-bytes must be at least 8KB"},
      {{"--replicate", kNats, "--replicate-linger-ms", "-1"}, "--replicate-linger-ms"},
      {{"--replicate", kNats, "--replicate-linger-ms", "1001"}, "--replicate-linger-ms"},
      {{"--replicate", kNats, "--replicate-mode", "quorum"}, "--replicate-mode"},
      {{"--replicate-mode", "sync"}, "--replicate-mode sync needs --replicate"},
      {{"--replicate", kNats, "--replicate-timeout-ms", "99"}, "--replicate-timeout-ms"},
      {{"--replicate", kNats, "--replicate-timeout-ms", "60001"}, "--replicate-timeout-ms"},
      {{"--replicate", kNats, "--advertise-url", "mailbox.example"}, "--advertise-url"},
      {{"--follow", kNats, "--follow-max-lag", "0"}, "--follow-max-lag"},
      {{"--replicate", kNats, "--nats-nkey", "/a", "--nats-creds", "/b"}, "--nats-nkey and --nats-creds"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.named);
    const auto parsed = parse(c.args);
    REQUIRE(std::holds_alternative<server::ConfigExit>(parsed));
    const auto& exit = std::get<server::ConfigExit>(parsed);
    CHECK(exit.code == 2);
    CHECK(exit.message.find(c.named) != std::string::npos);
  }
}
