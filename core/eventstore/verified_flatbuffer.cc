#include "core/eventstore/verified_flatbuffer.h"

#include <cstring>
#include <vector>

namespace mailbox::eventstore {

const std::uint8_t* aligned_copy(std::string_view bytes) {
  thread_local std::vector<std::uint64_t> scratch;
  scratch.resize(bytes.size() / 8 + 1);
  if (!bytes.empty()) std::memcpy(scratch.data(), bytes.data(), bytes.size());
  return reinterpret_cast<const std::uint8_t*>(scratch.data());
}

}  // namespace mailbox::eventstore
