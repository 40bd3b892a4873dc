#pragma once
// Errors of the event store. Their meaning follows abseil's status codes.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

namespace mailbox::eventstore {

enum class Code {
  invalid_argument,  // the request is malformed; retrying it will not help
  not_found,         // the thing asked for does not exist
  permission_denied, // the caller may not do this
  failed_precondition, // the system is not in a state that allows this (yet)
  resource_exhausted,  // the caller's quota or credit does not allow this (e.g. payment declined)
  aborted,           // an expected version did not match; see current_version
  unavailable,       // the store cannot serve this now (stopped, failed write); retry later
  corruption,        // stored data failed verification
  internal,          // a bug or an unexpected library failure
};

const char* code_name(Code code);

struct Error {
  Code code = Code::internal;
  std::string message;
  // For Code::aborted: the stream's version at the time of the check (0: no stream).
  std::optional<std::uint64_t> current_version;
  // The offending argument or field, when one is to blame (e.g. "receiver").
  std::string field;
};

template <class T>
using Result = std::expected<T, Error>;

// A Result with no value: success or an Error.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(Code code, std::string message,
                                   std::optional<std::uint64_t> current_version = {}) {
  return std::unexpected(Error{code, std::move(message), current_version, {}});
}

// An invalid_argument error that names the field to blame.
inline std::unexpected<Error> fail_field(std::string field, std::string message) {
  return std::unexpected(Error{Code::invalid_argument, std::move(message), std::nullopt, std::move(field)});
}

}  // namespace mailbox::eventstore
