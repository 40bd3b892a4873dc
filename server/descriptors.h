#pragma once
// File descriptors: every connection, and RocksDB's files, take one. mailboxd raises
// its soft limit to the hard one at start and checks that its bounds fit in it, so
// that running out is a start-up message instead of failed accepts or a failed write.

#include <cstddef>
#include <cstdint>

namespace mailbox::server {

// Descriptors besides connections and RocksDB's table files: the write-ahead log,
// manifests, locks and info logs of both databases, stdio, epoll, timers, signals,
// outbound calls.
inline constexpr std::uint64_t kDescriptorMargin = 40;

// Raises the soft RLIMIT_NOFILE to the hard limit; the soft limit now.
std::uint64_t raise_descriptor_limit();

// What mailboxd may open at once: connections (both listeners), twice max_open_files
// (the log and the views), and the margin.
std::uint64_t descriptors_needed(std::size_t connections, int max_open_files);

}  // namespace mailbox::server
