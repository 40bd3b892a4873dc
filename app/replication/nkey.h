#pragma once
// NATS nkeys (ed25519 keys written in base32 with a type prefix and a CRC-16): the
// public key of a user seed, which the C client wants beside the seed file.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/status.h"

namespace mailbox::replication {

// The public key ("U...") of the user seed ("SU...") in the file (the first line that
// starts with "SU"). Errors: invalid_argument (unreadable, or not a user seed).
app::Result<std::string> nkey_public_key(const std::string& seed_file);
app::Result<std::string> nkey_public_key_of_seed(std::string_view seed);
// The user seed ("SU...") of 32 raw seed bytes (tests make keys with it).
std::string encode_user_seed(const std::array<std::uint8_t, 32>& raw);

}  // namespace mailbox::replication
