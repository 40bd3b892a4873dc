// Key rotation on SIGHUP, end to end: mailboxd reads its key files again, old tokens stop
// working and new ones start, on connections kept alive from before; key files it
// refuses leave the keys in use as they were.
#include <doctest/doctest.h>

#include "tests/support/keyed_mailboxd.h"

using namespace mailbox::testing;

namespace {

const std::string kUser = "01012345678";
const std::string kSecret2 = "the-second-hs256-secret-after-rotation-0123456789";

}  // namespace

TEST_CASE("SIGHUP swaps the keys: old tokens get 401 and new ones 200, on a connection kept alive from before") {
  ServerKeys keys;
  TempDir data;
  auto m = start_mailboxd(MAILBOXD_PATH, keys.flags({"--data", data.str()}));
  REQUIRE(wait_ready(m.port));

  const TokenClaims claims{kUser};
  const std::string old_hs256 = keys.hs256(claims), old_rs256 = keys.rs256(claims);
  const std::string new_hs256 = hs256_token(kSecret2, jws_header("HS256"), claims.json());
  const std::string new_rs256 = rs256_token(rsa_key_2(), jws_header("RS256"), claims.json());

  // Every request below goes over this one socket, opened before the SIGHUP.
  HttpConnection kept(m.port);
  const std::uint16_t socket_port = kept.local_port();
  auto mailbox = [&](const std::string& token) {
    const HttpReply r = kept.call("GET", "/readmails", "", bearer(token));
    CHECK(r.header("connection") != "close");
    return r.status;
  };
  REQUIRE(mailbox(old_hs256) == 200);
  REQUIRE(mailbox(old_rs256) == 200);

  // Key 2 in both files: files are read on SIGHUP only, not watched.
  write_file(keys.secret_file, kSecret2 + "\n");
  write_file(keys.public_keys_file, public_pem(rsa_key_2()) + public_pem(ec_key_1()));
  CHECK(mailbox(new_hs256) == 401);
  CHECK(mailbox(old_hs256) == 200);

  m.process->signal(SIGHUP);
  CHECK(eventually([&] { return mailbox(old_hs256) == 401; }));
  CHECK(mailbox(old_rs256) == 401);
  CHECK(mailbox(new_hs256) == 200);
  CHECK(mailbox(new_rs256) == 200);
  CHECK(http_call(m.port, "GET", "/readmails", "", bearer(new_rs256)).status == 200);  // and on a new connection
  CHECK(kept.local_port() == socket_port);

  SUBCASE("a secret file it refuses keeps the keys in use") {
    write_file(keys.secret_file, "too short\n");
  }
  SUBCASE("a public key file it refuses keeps the keys in use") {
    write_file(keys.public_keys_file, "-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n");
  }
  m.process->signal(SIGHUP);
  const std::string said = "the keys were not reloaded, the old ones stay in use";
  CHECK(m.process->read_until(said, std::chrono::seconds(10)).find(said) != std::string::npos);
  CHECK(mailbox(new_hs256) == 200);
  CHECK(mailbox(new_rs256) == 200);
  CHECK(mailbox(old_hs256) == 401);
  CHECK(http_call(m.port, "GET", "/readmails", "", bearer(new_hs256)).status == 200);
  CHECK(kept.local_port() == socket_port);
  CHECK(stop(m).exit_code == 0);  // it kept running until told to stop
}
