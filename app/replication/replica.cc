#include "app/replication/replica.h"

#include <spdlog/spdlog.h>

#include "app/replication/log_message.h"
#include "core/thread_name.h"

namespace mailbox::replication {

namespace {

constexpr std::chrono::milliseconds kRetry{500};
constexpr std::chrono::seconds kProgressEvery{5};

std::int64_t now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Replica::Replica(eventstore::EventStore& log, ReplicationOptions options)
    : log_(log), options_(std::move(options)), subject_(log_subject(options_.stream)) {
  status_.role = Role::replica;
  status_.position = log_.durable_head();
}

Replica::~Replica() { stop(); }

app::Status Replica::start() {
  if (auto linked = ensure_link(); !linked) {
    if (linked.error().code != Code::unavailable) return linked;
    spdlog::warn("replica: {}; it catches up once NATS answers", linked.error().message);
    failing_ = true;
  } else if (auto followed = subscribe(); !followed) {
    if (followed.error().code != Code::unavailable) return followed;
    spdlog::warn("replica: {}; retrying", followed.error().message);
    failing_ = true;
  }
  progress_at_ = std::chrono::steady_clock::now();
  progress_position_ = log_.durable_head();
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, "replica");
  return {};
}

void Replica::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  link_.reset();
}

void Replica::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, d, [&] { return stopping_.load(); });
}

ReplicationStatus Replica::status() const {
  ReplicationStatus s;
  {
    std::lock_guard lock(mutex_);
    s = status_;
  }
  s.connected = connected_;
  s.position = log_.durable_head();
  s.lag_events = s.stream_position > s.position ? s.stream_position - s.position : 0;
  s.caught_up = !s.failed && s.stream_known && s.lag_events <= options_.follow_max_lag;
  if (s.lag_events > 0 && s.position > 0)
    if (auto last = log_.read_event(s.position))
      s.lag_seconds = std::max<double>(0, static_cast<double>(now_us() - last->timestamp_us) / 1e6);
  return s;
}

void Replica::note_error(const app::Error& e) {
  bool first_time = false;
  {
    std::lock_guard lock(mutex_);
    ++status_.errors;
    first_time = !failing_;
    failing_ = true;
    status_.error = e;
  }
  if (first_time) spdlog::warn("replica: {}; retrying", e.message);
}

void Replica::note_ok() {
  bool was_failing = false;
  {
    std::lock_guard lock(mutex_);
    was_failing = failing_;
    failing_ = false;
    status_.error.reset();
  }
  if (was_failing) spdlog::info("replica: following stream {} again at position {}", options_.stream, log_.durable_head());
}

app::Status Replica::ensure_link() {
  if (link_) return {};
  auto link = NatsLink::connect(options_.nats, [this](bool up, const std::string& detail) {
    connected_ = up;
    if (up) spdlog::info("replica: connected to NATS again ({})", detail);
    else spdlog::warn("replica: lost the connection to NATS; reads go on from the local copy");
  });
  if (!link) return std::unexpected(link.error());
  connected_ = true;
  link_ = std::move(*link);
  return {};
}

app::Status Replica::subscribe() {
  following_ = false;
  link_->unfollow();
  auto state = link_->stream_state(options_.stream);
  if (!state) return std::unexpected(state.error());
  if (!*state)
    return app::fail(Code::unavailable, "stream " + options_.stream + " does not exist (yet): is a writer running with --replicate?");
  const std::uint64_t head = log_.durable_head();
  std::uint64_t from = (*state)->last_sequence + 1;
  if ((*state)->messages > 0) {
    auto range_at = [&](std::uint64_t seq) -> app::Result<MessageRange> {
      auto m = link_->message(options_.stream, seq);
      if (!m) return std::unexpected(m.error());
      if (!*m) return app::fail(Code::unavailable, "message " + std::to_string(seq) + " of the stream is gone");
      return range_of((*m)->headers);
    };
    auto first = range_at((*state)->first_sequence);
    if (!first) return std::unexpected(first.error());
    if (first->first > head + 1)
      return app::fail(Code::failed_precondition,
                       "stream " + options_.stream + " starts at position " + std::to_string(first->first) +
                           ", after this replica's next position " + std::to_string(head + 1) +
                           ": the events between are no longer in the stream; seed this replica from a backup of "
                           "the writer (docs/operations.md)");
    // The first message that holds the head (to check it) or, for an empty log, the first.
    const std::uint64_t want = std::max<std::uint64_t>(head, 1);
    auto last = range_at((*state)->last_sequence);
    if (!last) return std::unexpected(last.error());
    if (last->last < head)
      return app::fail(Code::failed_precondition, "this log's head " + std::to_string(head) + " is past stream " +
                                                      options_.stream + "'s last position " +
                                                      std::to_string(last->last) +
                                                      ": it holds events the stream never had (restart mailboxd with "
                                                      "NATS reachable: at start a replica says what to do with them)");
    auto holding = first_sequence_reaching((*state)->first_sequence, (*state)->last_sequence, want, range_at);
    if (!holding) return std::unexpected(holding.error());
    const std::uint64_t lo = *holding;
    from = lo;
    if (head > 0) {
      auto m = link_->message(options_.stream, lo);
      if (!m) return std::unexpected(m.error());
      if (!*m) return app::fail(Code::unavailable, "message " + std::to_string(lo) + " of the stream is gone");
      auto decoded = decode_message((*m)->headers, (*m)->data);
      if (!decoded) return std::unexpected(decoded.error());
      auto mine = log_.read_segment(head, 1, 1);
      if (!mine) return std::unexpected(mine.error());
      const auto& theirs = decoded->segment;
      if (head >= theirs.first && head <= theirs.last() &&
          (mine->envelopes.empty() || mine->envelopes.front() != theirs.envelopes[head - theirs.first]))
        return app::fail(Code::failed_precondition, "the event at position " + std::to_string(head) +
                                                        " differs from stream " + options_.stream +
                                                        "'s: this log is not a copy of it (restart mailboxd with NATS "
                                                        "reachable: at start a replica cuts a fenced writer's tail, or says why not)");
      if (theirs.last() == head) from = lo + 1;
    }
  }
  if (auto s = link_->follow(options_.stream, subject_, from); !s) return s;
  following_ = true;
  refresh_stream_position(true);
  {
    std::lock_guard lock(mutex_);
    status_.stream_known = true;
  }
  spdlog::info("replica: following stream {} from sequence {} (this log's head: {})", options_.stream, from, head);
  return {};
}

app::Result<std::uint64_t> Replica::stream_end() const {
  // A link of its own: the copying thread may be using link_.
  auto link = NatsLink::connect(options_.nats);
  if (!link) return std::unexpected(link.error());
  auto last = (*link)->last_message(options_.stream, subject_);
  if (!last) return std::unexpected(last.error());
  if (!*last) return 0;
  auto range = range_of((*last)->headers);
  if (!range) return std::unexpected(range.error());
  return range->last;
}

void Replica::refresh_stream_position(bool force) {
  const auto now = std::chrono::steady_clock::now();
  if (!force && now - stream_checked_ < std::chrono::seconds(1)) return;
  stream_checked_ = now;
  auto last = link_->last_message(options_.stream, subject_);
  if (!last || !*last) return;
  auto range = range_of((*last)->headers);
  if (!range) return;
  std::lock_guard lock(mutex_);
  status_.stream_position = std::max(status_.stream_position, range->last);
  status_.epoch = range->epoch;
}

void Replica::report_progress() {
  const auto now = std::chrono::steady_clock::now();
  const ReplicationStatus s = status();
  if (s.stream_position == 0) return;
  if (s.lag_events == 0) {
    if (!announced_caught_up_) spdlog::info("replica: caught up with stream {} at position {}", options_.stream, s.position);
    announced_caught_up_ = true;
    return;
  }
  if (now - progress_at_ < kProgressEvery) return;
  const double seconds = std::chrono::duration<double>(now - progress_at_).count();
  spdlog::info("replica: catching up: position {} of {} ({:.0f} events/s)", s.position, s.stream_position,
               static_cast<double>(s.position - progress_position_) / seconds);
  progress_at_ = now;
  progress_position_ = s.position;
  announced_caught_up_ = false;
}

app::Status Replica::copy_next() {
  auto next = link_->next(250);
  if (!next) return std::unexpected(next.error());
  if (!*next) {
    refresh_stream_position(false);
    report_progress();
    return {};
  }
  auto message = decode_message((*next)->headers, (*next)->data);
  if (!message) return std::unexpected(message.error());
  const std::uint64_t last = message->segment.last();
  const std::size_t events = message->segment.envelopes.size();
  auto applied = log_.apply_segment(std::move(message->segment));
  if (!applied) return std::unexpected(applied.error());
  log_.release(*applied);  // from the stream: replicated (a no-op unless releases are held)
  {
    std::lock_guard lock(mutex_);
    ++status_.messages;
    status_.events += events;
    status_.epoch = std::max(status_.epoch, message->epoch);
    if ((*next)->pending == 0) status_.stream_position = std::max(status_.stream_position, last);
  }
  refresh_stream_position(false);
  report_progress();
  return {};
}

void Replica::run() {
  while (!stopping_) {
    {
      std::lock_guard lock(mutex_);
      if (status_.failed) break;
    }
    app::Status step = ensure_link();
    if (step && !following_) step = subscribe();
    if (step && following_) step = copy_next();
    if (step) {
      note_ok();
      continue;
    }
    if (step.error().code == Code::failed_precondition) {
      spdlog::error("replica: {}; it stops following", step.error().message);
      std::lock_guard lock(mutex_);
      status_.failed = step.error();
      break;
    }
    note_error(step.error());
    following_ = false;
    sleep_for(kRetry);
  }
}

}  // namespace mailbox::replication
