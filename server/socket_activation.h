#pragma once
// Socket activation, systemd's protocol (sd_listen_fds(3)): a parent that holds the
// listening socket (systemd's mailboxd.socket, or any process that plays it) passes it
// as fd 3 with LISTEN_FDS=1 and LISTEN_PID set to the child's pid. The socket outlives
// each mailboxd, so connections made while one exits and the next starts wait in its
// backlog instead of being refused.

#include <cstdint>
#include <optional>
#include <string>

#include "app/status.h"

namespace mailbox::server {

// The first descriptor passed (SD_LISTEN_FDS_START).
inline constexpr int kFirstInheritedFd = 3;

struct InheritedSocket {
  int fd = -1;
  std::string host;  // the address it is bound to, as --listen would give it
  std::uint16_t port = 0;
};

// Takes the socket passed by the parent, if any. Without LISTEN_PID and LISTEN_FDS, or
// when LISTEN_PID is another process's: none. Either way LISTEN_PID, LISTEN_FDS and
// LISTEN_FDNAMES are removed from the environment (no child process takes them for its
// own). A socket taken is marked close-on-exec.
// Errors (invalid_argument, saying what is wrong): LISTEN_FDS is not a number or is more
// than 1 (mailboxd serves one socket), or fd 3 is not a listening TCP stream socket.
// REQUIRES: called once, before any thread starts (it changes the environment).
app::Result<std::optional<InheritedSocket>> take_inherited_socket();

// Checks that fd is a listening TCP stream socket (IPv4 or IPv6) and returns where it
// is bound. Errors: invalid_argument, saying what fd is instead.
app::Result<InheritedSocket> check_listening_socket(int fd);

}  // namespace mailbox::server
