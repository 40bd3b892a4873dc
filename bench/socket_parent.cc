// socket_parent: plays systemd's socket unit for the restart benchmark. Listens on
// HOST:PORT and runs a program on that socket as systemd's socket activation does (fd 3,
// LISTEN_FDS=1, LISTEN_PID), keeping the socket open across restarts. SIGHUP restarts
// the program: SIGTERM to it, wait for its exit, start it again at once, then print
// "restarted exited_after_ms=N" (from the SIGHUP to the exit) on stdout. SIGTERM or
// SIGINT stops the program and then itself. Exits 1 when the program exits unasked.
//   socket_parent HOST:PORT PROGRAM [ARG...]
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

pid_t start(int listen_fd, char** argv, const sigset_t& unblocked) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::sigprocmask(SIG_SETMASK, &unblocked, nullptr);
  if (listen_fd == 3) ::fcntl(3, F_SETFD, 0);  // dup2 onto itself would leave close-on-exec
  else ::dup2(listen_fd, 3);
  ::setenv("LISTEN_FDS", "1", 1);
  ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
  ::execv(argv[0], argv);
  std::perror("socket_parent: exec");
  std::_Exit(127);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string where = argc >= 3 ? argv[1] : "";
  const auto colon = where.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "usage: socket_parent HOST:PORT PROGRAM [ARG...]\n");
    return 2;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(std::atoi(where.c_str() + colon + 1)));
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::inet_pton(AF_INET, where.substr(0, colon).c_str(), &address.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(fd, SOMAXCONN) != 0) {
    std::perror(("socket_parent: " + where).c_str());
    return 1;
  }
  sigset_t handled, unblocked;
  sigemptyset(&handled);
  for (int s : {SIGHUP, SIGTERM, SIGINT, SIGCHLD}) sigaddset(&handled, s);
  ::sigprocmask(SIG_BLOCK, &handled, &unblocked);
  pid_t child = start(fd, argv + 2, unblocked);
  for (;;) {
    int sig = 0;
    ::sigwait(&handled, &sig);
    if (sig == SIGCHLD) {
      if (::waitpid(child, nullptr, WNOHANG) == child) {
        std::fprintf(stderr, "socket_parent: %s exited unasked\n", argv[2]);
        return 1;
      }
      continue;
    }
    const auto asked = std::chrono::steady_clock::now();
    ::kill(child, SIGTERM);
    ::waitpid(child, nullptr, 0);
    if (sig != SIGHUP) return 0;
    const auto exited = std::chrono::steady_clock::now();
    child = start(fd, argv + 2, unblocked);
    std::printf("restarted exited_after_ms=%lld\n",
                static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(exited - asked).count()));
    std::fflush(stdout);
  }
}
