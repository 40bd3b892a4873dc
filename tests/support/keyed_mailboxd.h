#pragma once
// mailboxd with keys, for end-to-end tests of bearer tokens: an HS256 secret file and a
// public key file (an RS256 and an ES256 PEM key) in a temporary folder, the flags that
// name them, and tokens for those keys signed in the test with OpenSSL (token_maker.h).

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tests/support/eventually.h"
#include "tests/support/http_client.h"
#include "tests/support/mailboxd_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/token_maker.h"

namespace mailbox::testing {

inline const std::string kTokenIssuer = "https://issuer.test";
inline const std::string kTokenAudience = "mailbox";

// A token's claims, with the iss and aud ServerKeys' flags ask for; scope and jti are
// left out when empty.
struct TokenClaims {
  std::string sub;
  std::string scope;
  std::string jti;
  std::int64_t exp = unix_now() + 3600;

  std::string json() const {
    std::string out = R"({"iss":")" + kTokenIssuer + R"(","aud":")" + kTokenAudience + R"(","sub":")" + sub +
                      R"(","exp":)" + std::to_string(exp);
    if (!scope.empty()) out += R"(,"scope":")" + scope + "\"";
    if (!jti.empty()) out += R"(,"jti":")" + jti + "\"";
    return out + "}";
  }
};

// The key files mailboxd is given, and tokens signed with their keys (no kid: each
// algorithm has one key).
struct ServerKeys {
  TempDir dir;
  std::string secret = "mailbox-test-hs256-secret-0123456789abcdef";
  std::string secret_file = dir.sub("hs256.secret");
  std::string public_keys_file = dir.sub("public-keys.pem");

  ServerKeys() {
    write_file(secret_file, secret + "\n");
    write_file(public_keys_file, public_pem(rsa_key_1()) + public_pem(ec_key_1()));
  }

  // more, then the flags naming these files, the issuer and the audience.
  std::vector<std::string> flags(std::vector<std::string> more = {}) const {
    more.insert(more.end(), {"--auth-hs256-secret-file", secret_file, "--auth-public-keys", public_keys_file,
                             "--auth-issuer", kTokenIssuer, "--auth-audience", kTokenAudience});
    return more;
  }

  std::string hs256(const TokenClaims& c) const { return hs256_token(secret, jws_header("HS256"), c.json()); }
  std::string rs256(const TokenClaims& c) const { return rs256_token(rsa_key_1(), jws_header("RS256"), c.json()); }
  std::string es256(const TokenClaims& c) const { return es256_token(ec_key_1(), jws_header("ES256"), c.json()); }
};

inline std::map<std::string, std::string> bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// True once mailboxd on port answers /readyz with 200 (within 10 s).
inline bool wait_ready(std::uint16_t port) {
  return eventually([port] {
    try {
      return http_call(port, "GET", "/readyz").status == 200;
    } catch (const std::runtime_error&) {
      return false;
    }
  });
}

// SIGTERM, then everything it printed and its exit code (within 30 s).
inline ProcessResult stop(Mailboxd& m) {
  m.process->signal(SIGTERM);
  return m.process->wait(std::chrono::seconds(30));
}

}  // namespace mailbox::testing
