#include "server/descriptors.h"

#include <sys/resource.h>

namespace mailbox::server {

std::uint64_t raise_descriptor_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? UINT64_MAX : static_cast<std::uint64_t>(limit.rlim_cur);
}

std::uint64_t descriptors_needed(std::size_t connections, int max_open_files) {
  return static_cast<std::uint64_t>(connections) + 2 * static_cast<std::uint64_t>(max_open_files) + kDescriptorMargin;
}

}  // namespace mailbox::server
