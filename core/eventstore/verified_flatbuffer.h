#pragma once
// Reading a flatbuffer from stored bytes safely: the bytes are copied into an aligned
// buffer (flatbuffers reads 4- and 8-byte fields in place; RocksDB values are not
// aligned) and verified before any field is read. The log's envelope and the
// application's payloads are both read this way.

#include <flatbuffers/flatbuffers.h>

#include <cstdint>
#include <string_view>

namespace mailbox::eventstore {

// Copies bytes into this thread's 8-byte aligned scratch buffer and returns it. The
// copy stays valid until the next call on the same thread.
const std::uint8_t* aligned_copy(std::string_view bytes);

// The verified root table of type Root in bytes, or null when bytes are not a valid
// buffer of that type. The pointer stays valid until the next call on this thread.
template <class Root>
const Root* verified_root(std::string_view bytes) {
  const std::uint8_t* data = aligned_copy(bytes);
  flatbuffers::Verifier verifier(data, bytes.size());
  if (!verifier.VerifyBuffer<Root>(nullptr)) return nullptr;
  return flatbuffers::GetRoot<Root>(data);
}

}  // namespace mailbox::eventstore
