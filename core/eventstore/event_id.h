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
// A time-ordered UUID, RFC 9562 version 7: bytes 0-5 hold the Unix time in milliseconds
// (big-endian), then 12 bits of a counter that restarts at 0 each millisecond, then 62
// random bits from the same source as new_event_id(). Streams named after such ids are
// cheap to index: new keys land at the end of the index instead of at random places in
// it. One atomic orders (milliseconds, counter) for the whole process, so ids made later
// compare greater (bytewise), within this process strictly so, across threads too. When
// a millisecond's 4096 counter values are used up, the next id borrows the following
// millisecond (RFC 9562, 6.2); when the clock steps back, ids go on from the last one.
// Either way the time field may run ahead of the clock, never backwards. Across
// processes ids are ordered by millisecond only. Costs one compare-and-swap and 8 bytes
// of new_event_id()'s buffer. Thread-safe; aborts as new_event_id() does.
EventId new_time_ordered_id();
// The time field of a version 7 id: Unix milliseconds at which it was made (see above
// for how it may run ahead of the clock).
// REQUIRES: id is a version 7 UUID (as made by new_time_ordered_id()); for other ids the
// result means nothing.
std::int64_t uuid7_unix_ms(const EventId& id);
// An id derived from another id and a purpose, the same every time: events derived from
// an event (by a policy, on every retry and after every restart) get stable ids, so
// that the log's deduplication stores them once.
EventId derive_event_id(const EventId& source, std::string_view purpose);
// As derive_event_id, for an event derived from the event at source_position, with that
// position (its low 48 bits, big-endian) in the first six bytes and the rest from the
// same hash: ids derived from later events compare greater (bytewise), so that the
// log's index of ids grows at its end instead of at random places, which costs the
// writer a cache miss per step down the index's memtable. The same position, source
// and purpose give the same id every time; different purposes or sources differ in 74
// hashed bits (as likely to collide as random ids of that size, and only with ids of
// the same position). Past 2^48 the position wraps: only the order is lost.
EventId derive_event_id_at(std::uint64_t source_position, const EventId& source, std::string_view purpose);
// "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", lower case.
std::string to_string(const EventId& id);
// Parses the form above or 32 hex digits; nullopt when malformed.
std::optional<EventId> parse_event_id(std::string_view text);
bool is_nil(const EventId& id);

}  // namespace mailbox::eventstore
