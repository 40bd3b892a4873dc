#include "core/eventstore/event_id.h"

#include <pthread.h>
#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <span>

namespace mailbox::eventstore {

namespace {

// Bumped in the child after every fork(); a thread's buffer filled under an older value
// holds bytes the parent may also use, so it is thrown away. Only the child's single
// thread writes it, in the atfork handler.
std::atomic<std::uint64_t> fork_generation{0};

void on_fork_child() { fork_generation.fetch_add(1, std::memory_order_relaxed); }

std::uint64_t current_fork_generation() {
  // Registered before the first buffer is filled, so no buffer predates the handler.
  static const bool registered = [] {
    if (int err = pthread_atfork(nullptr, nullptr, on_fork_child); err != 0) {
      std::fprintf(stderr, "mailbox: pthread_atfork failed: %s; random ids would repeat after fork\n",
                   std::strerror(err));
      std::abort();
    }
    return true;
  }();
  (void)registered;
  return fork_generation.load(std::memory_order_relaxed);
}

void fill_from_kernel(std::span<std::uint8_t> out) {
  while (!out.empty()) {
    const ssize_t n = getrandom(out.data(), out.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::fprintf(stderr, "mailbox: getrandom failed: %s; cannot make random ids\n", std::strerror(errno));
      std::abort();
    }
    out = out.subspan(static_cast<std::size_t>(n));
  }
}

// Requests of up to 256 bytes are answered whole by the kernel, without EINTR, once its
// pool is ready; one refill serves 16 random ids.
constexpr std::size_t kBufferBytes = 256;

struct RandomBuffer {
  std::array<std::uint8_t, kBufferBytes> bytes{};
  std::size_t used = kBufferBytes;  // bytes[used..] are not handed out yet
  std::uint64_t generation = 0;     // fork_generation when the bytes were drawn
};

// Owned by its thread.
constinit thread_local RandomBuffer random_buffer;

// Fills `out` with bytes from the kernel's CSPRNG, through this thread's buffer.
void random_bytes(std::span<std::uint8_t> out) {
  RandomBuffer& buffer = random_buffer;
  const std::uint64_t generation = current_fork_generation();
  if (buffer.generation != generation) {
    buffer.used = kBufferBytes;
    buffer.generation = generation;
  }
  while (!out.empty()) {
    if (buffer.used == kBufferBytes) {
      fill_from_kernel(buffer.bytes);
      buffer.used = 0;
    }
    const std::size_t n = std::min(out.size(), kBufferBytes - buffer.used);
    std::memcpy(out.data(), buffer.bytes.data() + buffer.used, n);
    buffer.used += n;
    out = out.subspan(n);
  }
}

}  // namespace

EventId new_event_id() {
  EventId id;
  random_bytes(id);
  id[6] = static_cast<std::uint8_t>((id[6] & 0x0f) | 0x40);  // version 4
  id[8] = static_cast<std::uint8_t>((id[8] & 0x3f) | 0x80);  // RFC 4122 variant
  return id;
}

EventId new_time_ordered_id() {
  // (milliseconds << 12 | counter), the last one handed out. Taking the greater of the
  // clock (counter 0) and last + 1 keeps ids strictly increasing across threads; a counter
  // past 4095 carries into the milliseconds, borrowing the next one (RFC 9562, 6.2).
  static std::atomic<std::uint64_t> last{0};
  constexpr std::uint64_t kMsMask = (std::uint64_t{1} << 48) - 1;
  const auto clock_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  const std::uint64_t now = (static_cast<std::uint64_t>(std::max<std::int64_t>(clock_ms, 0)) & kMsMask) << 12;
  std::uint64_t prev = last.load(std::memory_order_relaxed), next;
  do {
    next = std::max(prev + 1, now);
  } while (!last.compare_exchange_weak(prev, next, std::memory_order_relaxed));
  const std::uint64_t ms = (next >> 12) & kMsMask;
  const std::uint64_t counter = next & 0xfff;

  EventId id;
  random_bytes(std::span(id).subspan(8));
  for (int i = 0; i < 6; ++i) id[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
  id[6] = static_cast<std::uint8_t>(0x70 | (counter >> 8));  // version 7, then rand_a: the counter
  id[7] = static_cast<std::uint8_t>(counter);
  id[8] = static_cast<std::uint8_t>((id[8] & 0x3f) | 0x80);  // variant, then 62 random bits
  return id;
}

std::int64_t uuid7_unix_ms(const EventId& id) {
  std::int64_t ms = 0;
  for (int i = 0; i < 6; ++i) ms = (ms << 8) | id[i];
  return ms;
}

namespace {
std::uint64_t mix(std::uint64_t x) {  // splitmix64's finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}
}  // namespace

EventId derive_event_id(const EventId& source, std::string_view purpose) {
  std::uint64_t a = 0, b = 0;
  for (int i = 0; i < 8; ++i) {
    a = (a << 8) | source[i];
    b = (b << 8) | source[8 + i];
  }
  std::uint64_t salt = 0xcbf29ce484222325ULL;  // FNV-1a of the purpose
  for (char c : purpose) salt = (salt ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  const std::uint64_t hi = mix(a ^ mix(salt));
  const std::uint64_t lo = mix(b ^ mix(hi ^ salt));
  EventId id;
  for (int i = 0; i < 8; ++i) {
    id[i] = static_cast<std::uint8_t>(hi >> (56 - 8 * i));
    id[8 + i] = static_cast<std::uint8_t>(lo >> (56 - 8 * i));
  }
  id[6] = static_cast<std::uint8_t>((id[6] & 0x0f) | 0x80);  // version 8: custom
  id[8] = static_cast<std::uint8_t>((id[8] & 0x3f) | 0x80);
  return id;
}

EventId derive_event_id_at(std::uint64_t source_position, const EventId& source, std::string_view purpose) {
  EventId id = derive_event_id(source, purpose);
  for (int i = 0; i < 6; ++i) id[i] = static_cast<std::uint8_t>(source_position >> (40 - 8 * i));
  return id;  // bytes 6 and 8 keep derive_event_id's version and variant bits
}

std::string to_string(const EventId& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[id[i] >> 4]);
    out.push_back(kHex[id[i] & 0x0f]);
  }
  return out;
}

static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<EventId> parse_event_id(std::string_view text) {
  const bool dashed = text.size() == 36;
  if (!dashed && text.size() != 32) return std::nullopt;
  EventId id;
  std::size_t at = 0;
  for (std::size_t i = 0; i < id.size(); ++i) {
    if (dashed && (i == 4 || i == 6 || i == 8 || i == 10)) {
      if (text[at] != '-') return std::nullopt;
      ++at;
    }
    int hi = hex_value(text[at]);
    int lo = hex_value(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    id[i] = static_cast<std::uint8_t>(hi * 16 + lo);
    at += 2;
  }
  return id;
}

bool is_nil(const EventId& id) {
  for (auto b : id)
    if (b != 0) return false;
  return true;
}

}  // namespace mailbox::eventstore
