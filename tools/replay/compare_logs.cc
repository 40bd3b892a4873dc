#include "tools/replay/compare_logs.h"

#include <cstdio>

namespace mailbox::replay {

namespace {

constexpr std::size_t kEventsPerRead = 10'000;
constexpr std::size_t kBytesPerRead = 16u << 20;

std::string describe(const eventstore::EventStore& log, std::uint64_t position) {
  auto e = log.read_event(position);
  if (!e) return "unreadable (" + e.error().message + ")";
  return e->type + " " + eventstore::to_string(e->id) + " of stream '" + e->stream + "'";
}

int differ(const std::string& what) {
  std::printf("logs differ: %s\n", what.c_str());
  return 1;
}

}  // namespace

int compare_logs(const eventstore::EventStore& a, const std::string& a_name, const eventstore::EventStore& b,
                 const std::string& b_name) {
  std::uint64_t next = 1, events = 0, dedupe_rows = 0;
  for (;;) {
    auto x = a.read_segment(next, kEventsPerRead, kBytesPerRead);
    auto y = b.read_segment(next, kEventsPerRead, kBytesPerRead);
    if (!x) return differ("reading " + a_name + ": " + x.error().message);
    if (!y) return differ("reading " + b_name + ": " + y.error().message);
    const std::size_t n = std::min(x->envelopes.size(), y->envelopes.size());
    for (std::size_t i = 0; i < n; ++i)
      if (x->envelopes[i] != y->envelopes[i]) {
        const std::uint64_t p = next + i;
        return differ("position " + std::to_string(p) + " is " + describe(a, p) + " in " + a_name + " but " +
                      describe(b, p) + " in " + b_name);
      }
    if (x->envelopes.size() != y->envelopes.size()) {
      const std::uint64_t p = next + n;
      const bool a_longer = x->envelopes.size() > n;
      return differ((a_longer ? a_name : b_name) + " goes on at position " + std::to_string(p) + " (" +
                    describe(a_longer ? a : b, p) + "), " + (a_longer ? b_name : a_name) + " ends at " +
                    std::to_string(p - 1));
    }
    auto key = [](const eventstore::DedupeRow& r) { return eventstore::to_string(r.id); };
    if (x->dedupe.size() != y->dedupe.size())
      return differ("positions " + std::to_string(next) + ".." + std::to_string(next + n - 1) + " have " +
                    std::to_string(x->dedupe.size()) + " event-id rows in " + a_name + ", " +
                    std::to_string(y->dedupe.size()) + " in " + b_name);
    for (std::size_t i = 0; i < x->dedupe.size(); ++i)
      if (key(x->dedupe[i]) != key(y->dedupe[i]) || x->dedupe[i].result != y->dedupe[i].result)
        return differ("the event-id row of " + key(x->dedupe[i]) + " differs");
    events += n;
    dedupe_rows += x->dedupe.size();
    next += n;
    if (n == 0) {
      // Both at their heads: the checkpoints as of there.
      if (x->checkpoints != y->checkpoints) {
        for (const auto& cp : x->checkpoints) {
          std::string other = "absent";
          for (const auto& o : y->checkpoints)
            if (o.name == cp.name) other = std::to_string(o.position);
          if (other != std::to_string(cp.position))
            return differ("checkpoint '" + cp.name + "' is " + std::to_string(cp.position) + " in " + a_name + ", " +
                          other + " in " + b_name);
        }
        return differ(b_name + " has a checkpoint " + a_name + " has not");
      }
      std::printf("logs are the same: %llu events, %llu event-id rows, %zu checkpoints\n",
                  static_cast<unsigned long long>(events), static_cast<unsigned long long>(dedupe_rows),
                  x->checkpoints.size());
      return 0;
    }
  }
}

}  // namespace mailbox::replay
