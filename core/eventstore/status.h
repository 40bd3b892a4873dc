#pragma once
// Errors of the engine, as values. Their categories follow abseil's status codes
// (absl/status/status.h); every result of a call that can fail is a [[nodiscard]]
// Result<T>, so an error cannot be dropped by accident.

#include <cstdint>
#include <expected>
#include <optional>
#include <string>

namespace mailbox::eventstore {

// The categories. What to do about an error follows from its category alone; the
// reason (below) only refines how it is reported.
enum class Code {
  invalid_argument,     // the request is malformed; retrying it will not help
  not_found,            // the thing asked for does not exist
  already_exists,       // an id is taken by something else (e.g. an event id stored for another event)
  permission_denied,    // the caller may not do this
  failed_precondition,  // the system is not in a state that allows this (yet)
  resource_exhausted,   // a quota or credit does not allow this (e.g. payment declined)
  aborted,              // an expected version did not match; see current_version
  unavailable,          // cannot serve this now (stopped, storage failed); retry later
  corruption,           // stored data failed verification
  internal,             // a bug or an unexpected library failure
};

// "invalid_argument", "not_found", ...
const char* code_name(Code code);

struct Error {
  Code code = Code::internal;
  std::string message;  // for people: what went wrong, without the field's name in front
  // For Code::aborted: the stream's version at the time of the check (0: no stream).
  std::optional<std::uint64_t> current_version;
  // The offending argument or field, when one is to blame (e.g. "receiver").
  std::string field;
  // A snake_case name for this particular error, finer than the code (e.g.
  // "invalid_phone", "storage_failed"); empty when the code says it all. The HTTP API
  // reports it as the problem's code.
  std::string reason;
};

// The value of a call, or why it failed. Discarding one is a compile-time warning
// (an error in this project's build).
template <class T>
class [[nodiscard]] Result : public std::expected<T, Error> {
 public:
  using std::expected<T, Error>::expected;
  Result(const std::expected<T, Error>& other) : std::expected<T, Error>(other) {}
  Result(std::expected<T, Error>&& other) : std::expected<T, Error>(std::move(other)) {}
};

// A Result with no value: success or an Error.
using Status = Result<void>;

inline std::unexpected<Error> fail(Code code, std::string message,
                                   std::optional<std::uint64_t> current_version = {}) {
  return std::unexpected(Error{code, std::move(message), current_version, {}, {}});
}

// An error with a reason (see Error::reason).
inline std::unexpected<Error> fail_because(Code code, std::string reason, std::string message) {
  return std::unexpected(Error{code, std::move(message), std::nullopt, {}, std::move(reason)});
}

// An invalid_argument error that names the field to blame, and optionally its reason.
inline std::unexpected<Error> fail_field(std::string field, std::string message, std::string reason = {}) {
  return std::unexpected(Error{Code::invalid_argument, std::move(message), std::nullopt, std::move(field),
                               std::move(reason)});
}

}  // namespace mailbox::eventstore
