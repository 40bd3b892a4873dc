#include "server/socket_activation.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace mailbox::server {

namespace {

std::unexpected<app::Error> refused(int fd, const std::string& why) {
  return app::fail(app::Code::invalid_argument,
                   "fd " + std::to_string(fd) + " (from LISTEN_FDS) " + why + "; the socket unit must have one ListenStream=HOST:PORT");
}

}  // namespace

app::Result<InheritedSocket> check_listening_socket(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return refused(fd, std::string("is not open: ") + std::strerror(errno));
  if (!S_ISSOCK(st.st_mode)) return refused(fd, "is not a socket");
  int type = 0, listening = 0;
  socklen_t size = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &size) != 0 || type != SOCK_STREAM)
    return refused(fd, "is not a stream socket (a datagram socket?)");
  size = sizeof listening;
  if (::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &size) != 0 || listening == 0)
    return refused(fd, "is a socket that is not listening");
  sockaddr_storage address{};
  size = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0)
    return refused(fd, std::string("has no address: ") + std::strerror(errno));
  InheritedSocket s;
  s.fd = fd;
  char text[INET6_ADDRSTRLEN] = "";
  if (address.ss_family == AF_INET) {
    const auto& in = reinterpret_cast<const sockaddr_in&>(address);
    ::inet_ntop(AF_INET, &in.sin_addr, text, sizeof text);
    s.port = ntohs(in.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& in6 = reinterpret_cast<const sockaddr_in6&>(address);
    ::inet_ntop(AF_INET6, &in6.sin6_addr, text, sizeof text);
    s.port = ntohs(in6.sin6_port);
  } else {
    return refused(fd, "is not a TCP socket (a Unix socket?): mailboxd serves TCP");
  }
  s.host = text;
  return s;
}

app::Result<std::optional<InheritedSocket>> take_inherited_socket() {
  const char* pid_text = std::getenv("LISTEN_PID");
  const char* fds_text = std::getenv("LISTEN_FDS");
  const std::string pid = pid_text ? pid_text : "", fds = fds_text ? fds_text : "";
  for (const char* name : {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"}) ::unsetenv(name);
  if (pid.empty() || fds.empty() || pid != std::to_string(::getpid())) return std::nullopt;
  if (fds.size() > 6 || fds.find_first_not_of("0123456789") != std::string::npos)
    return app::fail(app::Code::invalid_argument, "LISTEN_FDS is '" + fds + "', not a number");
  const int count = std::stoi(fds);
  if (count == 0) return std::nullopt;
  if (count > 1)
    return app::fail(app::Code::invalid_argument,
                     "LISTEN_FDS is " + fds + ": mailboxd serves one socket; the socket unit must have one ListenStream=");
  auto socket = check_listening_socket(kFirstInheritedFd);
  if (!socket) return std::unexpected(socket.error());
  if (::fcntl(kFirstInheritedFd, F_SETFD, FD_CLOEXEC) != 0)
    return refused(kFirstInheritedFd, std::string("cannot be marked close-on-exec: ") + std::strerror(errno));
  return std::optional<InheritedSocket>(std::move(*socket));
}

}  // namespace mailbox::server
