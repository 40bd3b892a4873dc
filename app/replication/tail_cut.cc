#include "app/replication/tail_cut.h"

#include <spdlog/spdlog.h>

#include <map>

#include "app/events.h"
#include "app/replication/log_message.h"
#include "app/replication/nats_link.h"

namespace mailbox::replication {

namespace {

// At most this many removed sends are named one by one in mailboxd's log.
constexpr std::uint64_t kNamedSends = 1000;

// The stream's envelopes by position, fetching each message once.
class StreamReader {
 public:
  StreamReader(NatsLink& link, std::string stream, StreamState state)
      : link_(link), stream_(std::move(stream)), state_(state) {}

  app::Result<MessageRange> range(std::uint64_t seq) {
    auto m = fetch(seq);
    if (!m) return std::unexpected(m.error());
    return MessageRange{(*m)->segment.first, (*m)->segment.last(), (*m)->epoch};
  }
  // The envelope at position (which the stream holds: first <= position <= last).
  app::Result<std::string> envelope(std::uint64_t position) {
    auto holding = first_sequence_reaching(state_.first_sequence, state_.last_sequence, position,
                                           [this](std::uint64_t seq) { return range(seq); });
    if (!holding) return std::unexpected(holding.error());
    auto m = fetch(*holding);
    if (!m) return std::unexpected(m.error());
    const auto& segment = (*m)->segment;
    if (position < segment.first || position > segment.last())
      return app::fail(Code::corruption, "stream " + stream_ + " has no message holding position " + std::to_string(position));
    return segment.envelopes[position - segment.first];
  }

 private:
  app::Result<const LogMessage*> fetch(std::uint64_t seq) {
    if (auto it = cache_.find(seq); it != cache_.end()) return &it->second;
    auto m = link_.message(stream_, seq);
    if (!m) return std::unexpected(m.error());
    if (!*m) return app::fail(Code::unavailable, "message " + std::to_string(seq) + " of stream " + stream_ + " is gone");
    auto decoded = decode_message((*m)->headers, (*m)->data);
    if (!decoded) return std::unexpected(decoded.error());
    return &cache_.emplace(seq, std::move(*decoded)).first->second;
  }

  NatsLink& link_;
  const std::string stream_;
  const StreamState state_;
  std::map<std::uint64_t, LogMessage> cache_;
};

}  // namespace

app::Result<std::optional<Difference>> first_difference(NatsLink& link, const std::string& stream,
                                                        const eventstore::EventStore& log) {
  const std::uint64_t head = log.durable_head();
  auto state = link.stream_state(stream);
  if (!state) return std::unexpected(state.error());
  if (head == 0 || !*state || (*state)->messages == 0) return std::optional<Difference>{};
  StreamReader reader(link, stream, **state);
  auto first = reader.range((*state)->first_sequence);
  if (!first) return std::unexpected(first.error());
  auto last = reader.range((*state)->last_sequence);
  if (!last) return std::unexpected(last.error());
  auto same = [&](std::uint64_t position) -> app::Result<bool> {
    if (position > last->last) return false;
    auto theirs = reader.envelope(position);
    if (!theirs) return std::unexpected(theirs.error());
    auto mine = log.read_segment(position, 1, 1);
    if (!mine) return std::unexpected(mine.error());
    return !mine->envelopes.empty() && mine->envelopes.front() == *theirs;
  };
  const std::uint64_t low = std::max<std::uint64_t>(first->first, 1);
  if (head < low) return std::optional<Difference>{};  // before the stream's start: the replica says so
  auto difference = [&](std::uint64_t position) -> app::Result<std::optional<Difference>> {
    Difference d{position, {}};
    if (position <= last->last) {
      auto theirs = reader.envelope(position);
      if (!theirs) return std::unexpected(theirs.error());
      d.theirs = std::move(*theirs);
    }
    return std::optional<Difference>(std::move(d));
  };
  const std::uint64_t high = std::min(head, last->last);
  if (high >= low) {
    auto at_high = same(high);
    if (!at_high) return std::unexpected(at_high.error());
    if (*at_high) {
      if (head > last->last) return difference(last->last + 1);
      return std::optional<Difference>{};
    }
  }
  auto at_low = same(low);
  if (!at_low) return std::unexpected(at_low.error());
  if (!*at_low) {
    if (low > 1)
      return app::fail_because(Code::failed_precondition, "diverged",
                               "this log differs from stream " + stream + " at its first position " +
                                   std::to_string(low) + " still held: seed this replica from a backup");
    return difference(1);
  }
  // same(lo) holds, same(hi) does not: the first difference is in (lo, hi].
  std::uint64_t lo = low, hi = high;
  while (hi - lo > 1) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    auto s = same(mid);
    if (!s) return std::unexpected(s.error());
    if (*s) lo = mid;
    else hi = mid;
  }
  return difference(hi);
}

app::Result<std::optional<TailCut>> cut_divergent_tail(const std::string& log_path,
                                                       const eventstore::StoreOptions& store,
                                                       const ReplicationOptions& options) {
  std::optional<Difference> diff;
  {
    eventstore::StoreOptions read = store;
    read.read_only = true;
    read.create_if_missing = false;
    auto log = eventstore::EventStore::open(log_path, read);
    if (!log) {
      if (log.error().code == Code::not_found) return std::optional<TailCut>{};  // a new replica
      return std::unexpected(log.error());
    }
    if ((*log)->durable_head() == 0) return std::optional<TailCut>{};
    auto link = NatsLink::connect(options.nats);
    if (!link) {
      spdlog::warn("replica: NATS did not answer at start ({}): the log is not compared with stream {} before it "
                   "is followed", link.error().message, options.stream);
      return std::optional<TailCut>{};
    }
    auto found = first_difference(**link, options.stream, **log);
    if (!found && found.error().code == Code::unavailable) {
      spdlog::warn("replica: stream {} did not answer at start ({}): the log is not compared with it before it is "
                   "followed", options.stream, found.error().message);
      return std::optional<TailCut>{};
    }
    if (!found) return std::unexpected(found.error());
    diff = std::move(*found);
  }
  if (!diff) return std::optional<TailCut>{};
  // A fenced writer's log shares the stream's start and differs where the new writer's
  // epoch begins (or where the stream ends). Anything else is another log: refused,
  // never cut.
  const auto not_a_copy = [&](const std::string& why) {
    return app::fail_because(Code::failed_precondition, "diverged",
                             "this log differs from stream " + options.stream + " at position " +
                                 std::to_string(diff->position) + ", " + why +
                                 ": it is not a copy of it, and is not cut (move its data folder aside to start "
                                 "an empty replica)");
  };
  if (diff->position == 1) return not_a_copy("its first");
  if (diff->theirs.empty())
    return app::fail_because(Code::failed_precondition, "diverged",
                             "this log holds events from position " + std::to_string(diff->position) +
                                 " on that stream " + options.stream +
                                 " lacks, and no other writer has taken over: restart it as the writer "
                                 "(--replicate) to ship them; nothing is cut");
  auto theirs = eventstore::EventStore::decode_stored(diff->theirs);
  if (!theirs) return std::unexpected(theirs.error());
  if (theirs->type != app::kWriterEpochType) return not_a_copy("where no new writer epoch begins");
  TailCut cut{diff->position, 0, 0};
  auto removed = eventstore::EventStore::cut_tail(log_path, diff->position, store, [&](const eventstore::RecordedEvent& e) {
    if (e.type != app::kSentType) return;
    if (++cut.sends <= kNamedSends)
      spdlog::warn("replica: cutting message {} (position {}): it never reached stream {} (lost if it was "
                   "acknowledged in async mode)", e.stream, e.position, options.stream);
  });
  if (!removed) return std::unexpected(removed.error());
  cut.events = *removed;
  spdlog::warn("replica: this log left stream {} at position {}: cut {} events from there ({} sends{}), and "
               "follows the stream", options.stream, cut.from, cut.events, cut.sends,
               cut.sends > kNamedSends ? ", the first " + std::to_string(kNamedSends) + " named above" : "");
  return std::optional<TailCut>(cut);
}

}  // namespace mailbox::replication
