#pragma once
// Runs a program as a child process and collects its exit code, stdout and stderr.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

namespace mailbox::testing {

struct ProcessResult {
  int exit_code = -1;  // -1: killed by a signal
  std::string out, err;
};

class ChildProcess {
 public:
  // env: "NAME=value" entries added to this process's environment for the child.
  // listen_fd, when given, is passed as systemd passes a socket (socket_activation.h): as
  // fd 3, with LISTEN_FDS=1 and LISTEN_PID the child's pid (env may override either);
  // the child then gets no other descriptor of this process but its stdio.
  ChildProcess(const std::string& path, const std::vector<std::string>& args, const std::vector<std::string>& env = {},
               int listen_fd = -1) {
    int out[2], err[2];
    if (::pipe(out) != 0 || ::pipe(err) != 0) throw std::runtime_error("pipe failed");
    // Built before the fork: the child only calls what is safe after fork in a threaded process.
    // The given entries come first, so that they win over the same names inherited.
    std::vector<char*> envp;
    std::string listen_pid = "LISTEN_PID=" + std::string(20, '\0'), listen_fds = "LISTEN_FDS=1";
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    if (listen_fd >= 0) envp.insert(envp.end(), {listen_pid.data(), listen_fds.data()});
    for (char** e = environ; *e != nullptr; ++e) envp.push_back(*e);
    envp.push_back(nullptr);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(path.c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      for (int fd : {out[0], out[1], err[0], err[1]}) ::close(fd);
      if (listen_fd >= 0) {
        if (listen_fd == 3) ::fcntl(3, F_SETFD, 0);  // dup2 onto itself would leave close-on-exec
        else ::dup2(listen_fd, 3);
        ::close_range(4, ~0U, 0);
        write_decimal(listen_pid.data() + 11, ::getpid());
      }
      ::execve(path.c_str(), argv.data(), envp.data());
      std::_Exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_fd_ = out[0];
    err_fd_ = err[0];
  }
  ~ChildProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_fd_ >= 0) ::close(out_fd_);
    if (err_fd_ >= 0) ::close(err_fd_);
  }

  // Reads stdout until it holds `count` lines (or the timeout passes); returns what it read.
  std::string read_lines(std::size_t count, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto lines = [&] { return static_cast<std::size_t>(std::count(out_.begin(), out_.end(), '\n')); };
    while (lines() < count && std::chrono::steady_clock::now() < deadline) pump(50);
    return out_;
  }

  // Reads stdout until it holds text (or the timeout passes); returns what it read.
  std::string read_until(const std::string& text, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out_.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline) pump(50);
    return out_;
  }

  // Waits for the exit (killing it past the timeout) and returns everything. Called
  // again, it returns the same without waiting (pid -1 would wait for, and signal, any
  // process).
  ProcessResult wait(std::chrono::milliseconds timeout = std::chrono::seconds(60)) {
    if (pid_ > 0) {
      const auto deadline = std::chrono::steady_clock::now() + timeout;
      int status = 0;
      while (::waitpid(pid_, &status, WNOHANG) == 0) {
        if (std::chrono::steady_clock::now() > deadline) ::kill(pid_, SIGKILL);
        pump(20);
      }
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      while (pump(0)) {
      }
    }
    ProcessResult r;
    r.exit_code = exit_code_;
    r.out = out_;
    r.err = err_;
    return r;
  }

  // Whether it has exited (or was killed); it stays to be waited for.
  bool exited() const {
    if (pid_ <= 0) return true;
    siginfo_t info{};
    return ::waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid_;
  }

  // What it has written to stderr so far (as read by read_lines, read_until or wait).
  const std::string& err() const { return err_; }
  void kill() { signal(SIGKILL); }
  pid_t pid() const { return pid_; }
  // Nothing once it has been waited for (pid -1 would signal every process we may).
  void signal(int sig) {
    if (pid_ > 0) ::kill(pid_, sig);
  }

 private:
  // Reads what is available; false when nothing was read.
  bool pump(int timeout_ms) {
    pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
    if (::poll(fds, 2, timeout_ms) <= 0) return false;
    bool any = false;
    char buf[8192];
    for (int i = 0; i < 2; ++i)
      if (fds[i].revents & (POLLIN | POLLHUP)) {
        ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
        if (n > 0) {
          (i == 0 ? out_ : err_).append(buf, static_cast<std::size_t>(n));
          any = true;
        }
      }
    return any;
  }

  // Writes n in decimal at to (async-signal-safe, for the child after fork).
  static void write_decimal(char* to, long n) {
    char digits[20];
    int count = 0;
    do digits[count++] = static_cast<char>('0' + n % 10);
    while ((n /= 10) > 0);
    while (count > 0) *to++ = digits[--count];
  }

  pid_t pid_ = -1;
  int out_fd_ = -1, err_fd_ = -1;
  std::string out_, err_;
  int exit_code_ = -1;  // once waited for
};

inline ProcessResult run_process(const std::string& path, const std::vector<std::string>& args) {
  ChildProcess p(path, args);
  return p.wait();
}

}  // namespace mailbox::testing
