#pragma once
// SHA-256 of a file, by OpenSSL: what a backup's manifest records of each file, and
// what a restore checks them against.

#include <filesystem>
#include <stop_token>
#include <string>

#include "app/backup/errors.h"

namespace mailbox::backup {

// The file's SHA-256 as 64 lowercase hex digits. Reads it once, 1 MiB at a time, and
// stops early when stop is requested. Errors: unavailable (it cannot be read),
// aborted (stop requested). Any thread.
Result<std::string> sha256_of_file(const std::filesystem::path& file, const std::stop_token& stop = {});

}  // namespace mailbox::backup
