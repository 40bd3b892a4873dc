#pragma once
// Event ids: 16 raw bytes, the shape of a UUID.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailbox::eventstore {

// All zero means "none".
using EventId = std::array<std::uint8_t, 16>;

// A fresh random (version 4) UUID: 122 bits from the kernel's CSPRNG (getrandom(2)),
// read through a per-thread buffer so that most calls make no system call. A forked
// child never reuses bytes its parent had buffered (a pthread_atfork handler marks every
// buffer stale), so parent and child, and any two runs of the program, draw independent
// ids. Processes created by a raw clone(2) that skips the atfork handlers are not covered.
// Aborts the process, with a message on stderr, if the kernel refuses random bytes:
// there is no safe fallback. Thread-safe; not async-signal-safe.
EventId new_event_id();
// A time-ordered (version 7) UUID: ids made later compare greater, within this process
// strictly so. Streams named after such ids are cheap to index: new keys land at the
// end of the index instead of at random places in it. Thread-safe.
EventId new_time_ordered_id();
// An id derived from another id and a purpose, the same every time: events derived from
// an event (by a policy, on every retry and after every restart) get stable ids, so
// that the log's deduplication stores them once.
EventId derive_event_id(const EventId& source, std::string_view purpose);
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower case.
std::string to_string(const EventId& id);
// Parses the form above or 32 hex digits; nullopt when malformed.
std::optional<EventId> parse_event_id(std::string_view text);
bool is_nil(const EventId& id);

}  // namespace mailbox::eventstore
