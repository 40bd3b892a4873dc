#pragma once
// What a process made durable, written down as it goes, so that another process can
// take away everything else after the first one is killed: a simulated power loss, as
// RocksDB's own FaultInjectionTestFS does it.
//
// The writing side (FaultyFileSystem::journal_to) appends one line per event to a
// journal file with one write() each, before it reports success to RocksDB, so that the
// kernel holds the line whatever happens to the process afterwards:
//   create PATH            a file was created (or truncated) for writing
//   sync PATH BYTES        the file's first BYTES bytes are on disk (Sync, Fsync, RangeSync)
//   rename FROM TO OLD     a file was renamed; OLD is what TO held before, in hex, or "-"
//   delete PATH            a file was deleted (taken as durable at once)
//   dirsync DIR            the directory's entries are on disk
// Fields are separated by tabs. lose_power() then reads the journal and puts the
// folder in the state a power loss could leave: each file cut to its synced length,
// and each file whose directory entry was never synced removed (or, for a rename over
// an existing file, the old content put back).
//
// Thread-safety: SyncJournal's record() may be called from any thread.

#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mailbox::testing {

class SyncJournal {
 public:
  // Opens (creates, appends to) the journal at path. Throws when it cannot.
  explicit SyncJournal(const std::string& path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) throw std::runtime_error("cannot open the sync journal " + path);
  }
  ~SyncJournal() { ::close(fd_); }
  SyncJournal(const SyncJournal&) = delete;
  SyncJournal& operator=(const SyncJournal&) = delete;

  void created(const std::string& path) { record("create\t" + normal(path)); }
  void synced(const std::string& path, std::uint64_t bytes) {
    record("sync\t" + normal(path) + "\t" + std::to_string(bytes));
  }
  void renamed(const std::string& from, const std::string& to, const std::optional<std::string>& old) {
    record("rename\t" + normal(from) + "\t" + normal(to) + "\t" + (old ? hex(*old) : "-"));
  }
  void deleted(const std::string& path) { record("delete\t" + normal(path)); }
  void dir_synced(const std::string& dir) { record("dirsync\t" + normal(dir)); }

  // A path as the journal names it: lexically normal, no trailing separator.
  static std::string normal(const std::string& path) {
    std::string p = std::filesystem::path(path).lexically_normal().string();
    while (p.size() > 1 && p.back() == '/') p.pop_back();
    return p;
  }

  // What lose_power() did, for the test's messages.
  struct Losses {
    int files_cut = 0;          // files cut to their synced length
    std::uint64_t bytes_cut = 0;
    int files_removed = 0;      // new files whose directory entry was never synced
    int files_restored = 0;     // renamed over, put back to their old content
  };

  // Applies the journal at journal_path to the files it names: the power loss. Throws
  // when a file cannot be cut or removed. REQUIRES: the writing process is gone.
  static Losses lose_power(const std::string& journal_path) {
    struct FileState {
      std::uint64_t synced = 0;
    };
    struct NewEntry {
      std::optional<std::string> old;  // content before a rename over it; none: remove
    };
    std::map<std::string, FileState> files;                       // written by the process
    std::map<std::string, std::map<std::string, NewEntry>> fresh;  // dir -> entries not yet synced
    auto dir_of = [](const std::string& p) { return std::filesystem::path(p).parent_path().string(); };

    std::ifstream in(journal_path);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream ss(line);
      for (std::string part; std::getline(ss, part, '\t');) f.push_back(part);
      if (f.empty()) continue;
      if (f[0] == "create" && f.size() == 2) {
        files[f[1]] = {};
        fresh[dir_of(f[1])][f[1]] = {};
      } else if (f[0] == "sync" && f.size() == 3) {
        auto& s = files[f[1]];
        s.synced = std::max<std::uint64_t>(s.synced, std::stoull(f[2]));
      } else if (f[0] == "rename" && f.size() == 4) {
        if (auto it = files.find(f[1]); it != files.end()) {
          files[f[2]] = it->second;
          files.erase(it);
        } else {
          files.erase(f[2]);
        }
        auto& from_dir = fresh[dir_of(f[1])];
        if (from_dir.erase(f[1]) > 0) {
          // The new name is as durable as the old one was: not at all.
          NewEntry entry;
          if (f[3] != "-") entry.old = unhex(f[3]);
          fresh[dir_of(f[2])][f[2]] = entry;
        }
      } else if (f[0] == "delete" && f.size() == 2) {
        files.erase(f[1]);
        fresh[dir_of(f[1])].erase(f[1]);
      } else if (f[0] == "dirsync" && f.size() == 2) {
        fresh[f[1]].clear();
      }
    }

    Losses losses;
    std::set<std::string> handled;
    for (const auto& [dir, entries] : fresh)
      for (const auto& [path, entry] : entries) {
        handled.insert(path);
        std::error_code ec;
        if (entry.old) {
          std::ofstream out(path, std::ios::binary | std::ios::trunc);
          out << *entry.old;
          if (!out) throw std::runtime_error("cannot put back " + path);
          ++losses.files_restored;
        } else if (std::filesystem::remove(path, ec)) {
          ++losses.files_removed;
        } else if (ec) {
          throw std::runtime_error("cannot remove " + path + ": " + ec.message());
        }
      }
    for (const auto& [path, state] : files) {
      if (handled.contains(path)) continue;
      std::error_code ec;
      const auto size = std::filesystem::file_size(path, ec);
      if (ec || size <= state.synced) continue;
      std::filesystem::resize_file(path, state.synced, ec);
      if (ec) throw std::runtime_error("cannot cut " + path + ": " + ec.message());
      ++losses.files_cut;
      losses.bytes_cut += size - state.synced;
    }
    return losses;
  }

 private:
  void record(const std::string& text) {
    const std::string line = text + "\n";
    std::lock_guard lock(mutex_);
    // Called under RocksDB, which must not see an exception: a journal that cannot be
    // written ends the process, and the test with it.
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      std::fprintf(stderr, "cannot write the sync journal\n");
      std::abort();
    }
  }

  static std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
      out += digits[c >> 4];
      out += digits[c & 15];
    }
    return out.empty() ? "-" : out;
  }
  static std::string unhex(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2) out += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
    return out;
  }

  int fd_ = -1;
  std::mutex mutex_;
};

}  // namespace mailbox::testing
