// NATS credentials: user and password in the URL, an nkey seed file, TLS with a CA file;
// a refused one is a clear start-up error.
#include <doctest/doctest.h>

#include <openssl/rand.h>

#include <fstream>

#include "app/replication/nkey.h"
#include "tests/replication/replication_fixture.h"
#include "tests/support/eventually.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_ca.h"

using namespace mailbox;
using namespace mailbox::testing;
using namespace std::chrono_literals;

namespace {

std::string with_user(const std::string& url, const std::string& user) {
  return "nats://" + user + "@" + url.substr(std::string("nats://").size());
}

}  // namespace

TEST_CASE("a NATS server that wants a password: the right one ships, a wrong one is a clear start-up error") {
  TempDir dir;
  NatsServer nats(dir.sub("nats"), "authorization {\n  user: mailbox\n  password: s3cret\n}\n");
  ChildProcess wrong(MAILBOXD_PATH, {"--data", dir.sub("bad"), "--listen", "127.0.0.1:0", "--replicate",
                                     with_user(nats.url(), "mailbox:wrong")});
  auto out = wrong.wait(20s);
  CHECK(out.exit_code == 1);
  CHECK_MESSAGE(out.err.find("uthoriz") != std::string::npos, out.err);

  auto writer = start_writer(dir.sub("w"), with_user(nats.url(), "mailbox:s3cret"));
  REQUIRE(send_message(writer->port, "01011112222", "01033334444", "hello").first == 201);
  REQUIRE(eventually([&] { return metric(writer->port, "mailbox_replication_messages_total") > 0; }));
  CHECK(all_shipped(writer->port));
  writer->stop();
}

TEST_CASE("an nkey seed file authenticates the writer and the replica") {
  std::array<std::uint8_t, 32> raw{};
  REQUIRE(RAND_bytes(raw.data(), static_cast<int>(raw.size())) == 1);
  const std::string seed = replication::encode_user_seed(raw);
  const auto pub = replication::nkey_public_key_of_seed(seed);
  REQUIRE(pub.has_value());
  CHECK(pub->front() == 'U');
  TempDir dir;
  std::ofstream(dir.sub("user.nk")) << seed << "\n";
  NatsServer nats(dir.sub("nats"), "authorization {\n  users = [ { nkey: " + *pub + " } ]\n}\n");
  auto writer = start_writer(dir.sub("w"), nats.url(), {"--nats-nkey", dir.sub("user.nk")});
  auto replica = start_replica(dir.sub("r"), nats.url(), {"--nats-nkey", dir.sub("user.nk")});
  auto [status, sent] = send_message(writer->port, "01011112222", "01033334444", "hello");
  REQUIRE(status == 201);
  auto r = mailbox_at(replica->port, "01033334444", sent.position);
  CHECK(r.body.find(sent.id) != std::string::npos);
  // Without the key the server refuses: a start-up error.
  ChildProcess keyless(MAILBOXD_PATH, {"--data", dir.sub("bad"), "--listen", "127.0.0.1:0", "--follow", nats.url()});
  auto out = keyless.wait(20s);
  // Its log says why when it does not exit (a refusal taken for a passing failure).
  CHECK_MESSAGE(out.exit_code == 1, out.err);
  writer->stop();
  replica->stop();
}

TEST_CASE("the permissions of docs/replication.md: the writer publishes the log, the replica only reads it") {
  // The authorization block as docs/replication.md gives it, with the passwords filled in.
  const std::string doc = [] {
    std::ifstream in(DOCS_REPLICATION_PATH);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  auto from = doc.find("    authorization {");
  auto to = doc.find("\n\n", from);
  REQUIRE(from != std::string::npos);
  std::string block = doc.substr(from, to - from);
  for (auto [var, value] : {std::pair{"$WRITER_PASSWORD", "wpass"}, {"$REPLICA_PASSWORD", "rpass"}})
    block.replace(block.find(var), std::string(var).size(), value);
  TempDir dir;
  NatsServer nats(dir.sub("nats"), block);
  auto writer = start_writer(dir.sub("w"), with_user(nats.url(), "writer:wpass"));
  auto replica = start_replica(dir.sub("r"), with_user(nats.url(), "replica:rpass"));
  auto [status, sent] = send_message(writer->port, "01011112222", "01033334444", "hello");
  REQUIRE(status == 201);
  auto r = mailbox_at(replica->port, "01033334444", sent.position);
  CHECK(r.body.find(sent.id) != std::string::npos);
  CHECK(metric(replica->port, "mailbox_replication_errors_total") == 0);
  writer->stop();
  replica->stop();
}

TEST_CASE("tls:// with --ca-file: the writer ships over TLS to a server whose CA it was given, and refuses one it was not") {
  TestCa ca(OPENSSL_TOOL);
  auto cert = ca.issue("nats", {"IP:127.0.0.1", "DNS:localhost"});
  TempDir dir;
  NatsServer nats(dir.sub("nats"), "tls {\n  cert_file: \"" + cert.cert_file + "\"\n  key_file: \"" + cert.key_file + "\"\n}\n");
  const std::string url = "tls://127.0.0.1:" + std::to_string(nats.port());
  ChildProcess untrusted(MAILBOXD_PATH, {"--data", dir.sub("bad"), "--listen", "127.0.0.1:0", "--replicate", url});
  auto out = untrusted.wait(20s);
  CHECK(out.exit_code == 1);
  auto writer = start_writer(dir.sub("w"), url, {"--ca-file", ca.ca_file()});
  auto replica = start_replica(dir.sub("r"), url, {"--ca-file", ca.ca_file()});
  auto [status, sent] = send_message(writer->port, "01011112222", "01033334444", "hello");
  REQUIRE(status == 201);
  auto r = mailbox_at(replica->port, "01033334444", sent.position);
  CHECK(r.body.find(sent.id) != std::string::npos);
  writer->stop();
  replica->stop();
}
