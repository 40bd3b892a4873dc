#pragma once
// CPU time of the whole benchmark process: the cost of a run whatever else shares the
// machine's cores, where a rate measured by the wall clock is not.

#include <sys/resource.h>

namespace mailbox::bench {

// CPU time (user and system) of the whole process so far, every thread, RocksDB's
// background threads included, in microseconds.
inline double process_cpu_us() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e6 +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

}  // namespace mailbox::bench
