// Protected mode: without keys mailboxd serves loopback only, and refuses to listen
// beyond it unless told, by flag or environment, that this is meant.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "tests/support/http_client.h"
#include "tests/support/process.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::testing;

namespace {

// A TCP socket on 0.0.0.0:port (0: any free port), listening or only bound.
class Socket {
 public:
  Socket(std::uint16_t port, bool listen) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || (listen && ::listen(fd_, 1) != 0)) {
      ::close(fd_);
      throw std::runtime_error("cannot bind 0.0.0.0:" + std::to_string(port));
    }
    socklen_t size = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size);
    port_ = ntohs(addr.sin_port);
  }
  ~Socket() { ::close(fd_); }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  std::uint16_t port_ = 0;
};

// Starts mailboxd without keys on 0.0.0.0:0 and returns the port it prints (0 if none).
std::uint16_t listening_port(ChildProcess& p) {
  const std::string out = p.read_until("listening on", std::chrono::seconds(20));
  std::smatch match;
  if (!std::regex_search(out, match, std::regex(R"(listening on http://0\.0\.0\.0:(\d+))"))) return 0;
  return static_cast<std::uint16_t>(std::stoi(match[1]));
}

}  // namespace

TEST_CASE("without keys mailboxd refuses to listen beyond loopback: exit 2 naming the flags, before opening its data or the port") {
  TempDir dir;
  const std::uint16_t port = Socket(0, false).port();  // free when asked for below
  const std::string listen = "0.0.0.0:" + std::to_string(port);
  auto refused = run_process(MAILBOXD_PATH, {"--data", dir.str(), "--listen", listen});
  CHECK(refused.exit_code == 2);
  for (const std::string flag : {"--auth-hs256-secret-file", "--auth-public-keys", "--insecure-no-auth"})
    CHECK_MESSAGE(refused.err.find(flag) != std::string::npos, flag << " is not named in: " << refused.err);
  CHECK(refused.out.find("listening") == std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir.path() / "log"));  // nor its data folder, which it opens before listening
  CHECK(Socket(port, true).port() == port);                 // and nothing holds the port now

  // The refusal comes before any bind: with the port taken, it is still the refusal
  // (exit 2), not a failed bind (exit 1).
  Socket taken(port, true);
  auto again = run_process(MAILBOXD_PATH, {"--data", dir.str(), "--listen", listen});
  CHECK(again.exit_code == 2);
  CHECK(again.err.find("--insecure-no-auth") != std::string::npos);
}

TEST_CASE("--insecure-no-auth, or MAILBOX_INSECURE_NO_AUTH=1 in the environment, lets mailboxd without keys serve on 0.0.0.0") {
  struct Way {
    std::string name;
    std::vector<std::string> flags, env;
  };
  for (const Way& way : {Way{"the flag", {"--insecure-no-auth"}, {}}, Way{"the environment", {}, {"MAILBOX_INSECURE_NO_AUTH=1"}}}) {
    TempDir dir;
    std::vector<std::string> args = {"--data", dir.str(), "--listen", "0.0.0.0:0"};
    args.insert(args.end(), way.flags.begin(), way.flags.end());
    ChildProcess p(MAILBOXD_PATH, args, way.env);
    const std::uint16_t port = listening_port(p);
    if (port == 0) {
      const auto failed = p.wait(std::chrono::seconds(5));
      FAIL(way.name << ": mailboxd did not start (exit " << failed.exit_code << "): " << failed.err);
    }
    CHECK_MESSAGE(http_call(port, "GET", "/healthz").status == 200, way.name);
    p.signal(SIGTERM);
    CHECK_MESSAGE(p.wait().exit_code == 0, way.name);
  }
}

TEST_CASE("MAILBOX_INSECURE_NO_AUTH=0 is no consent: without keys mailboxd still refuses 0.0.0.0") {
  TempDir dir;
  ChildProcess p(MAILBOXD_PATH, {"--data", dir.str(), "--listen", "0.0.0.0:0"}, {"MAILBOX_INSECURE_NO_AUTH=0"});
  auto r = p.wait(std::chrono::seconds(20));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--insecure-no-auth") != std::string::npos);
}
