#pragma once
// Key and value encodings of the log database (see docs/storage.md). Internal to
// core/eventstore.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/eventstore/big_endian.h"
#include "core/eventstore/types.h"

namespace mailbox::eventstore::keys {

// Column family names.
inline constexpr const char* kLog = "log";
inline constexpr const char* kStreams = "streams";
inline constexpr const char* kDedupe = "dedupe";
inline constexpr const char* kCheckpoints = "checkpoints";

inline constexpr std::size_t kMaxNameBytes = 1024;

// Positions, versions and checkpoints are u64 big-endian (big_endian.h).
using eventstore::append_u64;
using eventstore::decode_u64;
using eventstore::encode_u64;

// streams key: stream name, a NUL byte, version (u64 BE).
std::string stream_key(std::string_view stream, std::uint64_t version);
// Length of the stream-name prefix shared by all keys of one stream (name plus NUL).
inline std::size_t stream_prefix_size(std::string_view stream_key) { return stream_key.size() - 8; }

// dedupe value: first position, last position, stream version (3 x u64 BE).
std::string encode_dedupe_value(const AppendResult& result);
std::optional<AppendResult> decode_dedupe_value(std::string_view bytes);

// Names (streams, checkpoints) are 1..kMaxNameBytes bytes without a NUL byte.
bool valid_name(std::string_view name);

}  // namespace mailbox::eventstore::keys
