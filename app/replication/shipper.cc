#include "app/replication/shipper.h"

#include <spdlog/spdlog.h>

#include "app/replication/log_message.h"
#include "app/replication/writer_epochs.h"
#include "core/thread_name.h"

namespace mailbox::replication {

namespace {

constexpr std::size_t kMaxEventsPerMessage = 10'000;
constexpr std::chrono::milliseconds kRetry{500};
// How often an idle shipper looks for checkpoints that moved without new events.
constexpr std::chrono::milliseconds kIdlePoll{100};

std::size_t segment_bytes(const eventstore::LogSegment& segment) {
  std::size_t bytes = 0;
  for (const auto& e : segment.envelopes) bytes += e.size();
  return bytes;
}

}  // namespace

Shipper::Shipper(eventstore::EventStore& log, ReplicationOptions options)
    : log_(log), options_(std::move(options)), subject_(log_subject(options_.stream)) {
  status_.role = Role::writer;
}

Shipper::~Shipper() { stop(); }

app::Status Shipper::start() {
  auto first = connect();
  if (!first) {
    if (first.error().code != Code::unavailable) return std::unexpected(first.error());
    spdlog::warn("replication: {}; sends go on, the log ships once NATS answers", first.error().message);
    failing_ = true;
  } else {
    auto stream = (*first)->ensure_stream(stream_spec());
    if (!stream && stream.error().code != Code::unavailable) return std::unexpected(stream.error());
    connected_ = true;
    first_link_ = std::move(*first);
  }
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, "shipper");
  return {};
}

void Shipper::drain(std::chrono::milliseconds bound) {
  if (!thread_.joinable() || bound.count() <= 0) return;
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (std::chrono::steady_clock::now() < deadline && !(idle_ && next_ > log_.durable_head()) && !failing_now())
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

void Shipper::stop(std::chrono::milliseconds flush) {
  drain(flush);  // ship what is committed while JetStream answers, for at most flush
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  link_.reset();
  first_link_.reset();
}

void Shipper::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, d, [&] { return stopping_.load(); });
}

bool Shipper::failing_now() const {
  std::lock_guard lock(mutex_);
  return failing_ || status_.fenced.has_value();
}

std::optional<app::Error> Shipper::fenced() const {
  std::lock_guard lock(mutex_);
  return status_.fenced;
}

app::Result<std::uint64_t> Shipper::wait_epoch_shipped(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (status_.fenced) return std::unexpected(*status_.fenced);
      if (epoch_position_ > 0 && next_ > epoch_position_) return status_.epoch;
    }
    if (std::chrono::steady_clock::now() >= deadline)
      return app::fail(Code::unavailable, "JetStream has not taken this writer's epoch yet");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

ReplicationStatus Shipper::status() const {
  ReplicationStatus s;
  {
    std::lock_guard lock(mutex_);
    s = status_;
  }
  s.connected = connected_;
  const std::uint64_t head = log_.durable_head();
  s.lag_events = head > s.position ? head - s.position : 0;
  if (s.lag_events > 0)
    if (auto oldest = log_.read_event(s.position + 1)) {
      const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
      s.lag_seconds = std::max<double>(0, static_cast<double>(now - oldest->timestamp_us) / 1e6);
    }
  return s;
}

void Shipper::note_error(const app::Error& e) {
  bool first_time = false;
  {
    std::lock_guard lock(mutex_);
    ++status_.errors;
    first_time = !failing_;
    failing_ = true;
    status_.error = e;
  }
  if (first_time) spdlog::warn("replication: shipping stopped: {}; retrying", e.message);
}

void Shipper::note_ok() {
  bool was_failing = false;
  {
    std::lock_guard lock(mutex_);
    was_failing = failing_;
    failing_ = false;
    status_.error.reset();
  }
  if (was_failing) spdlog::info("replication: shipping again from position {}", next_.load());
}

app::Result<std::unique_ptr<NatsLink>> Shipper::connect() {
  return NatsLink::connect(options_.nats, [this](bool up, const std::string& detail) {
    connected_ = up;
    if (up) spdlog::info("replication: connected to NATS again ({})", detail);
    else spdlog::warn("replication: lost the connection to NATS; sends go on, the log ships when it is back");
  });
}

StreamSpec Shipper::stream_spec() const {
  return {options_.stream, subject_, options_.replicas, options_.max_age_seconds, options_.max_bytes};
}

app::Status Shipper::ensure_link() {
  if (link_) return {};
  if (first_link_) {
    link_ = std::move(first_link_);
    return {};
  }
  auto link = connect();
  if (!link) return std::unexpected(link.error());
  connected_ = true;
  link_ = std::move(*link);
  return {};
}

app::Status Shipper::sync() {
  auto stream = link_->ensure_stream(stream_spec());
  if (!stream) return std::unexpected(stream.error());
  auto last = link_->last_message(options_.stream, subject_);
  if (!last) return std::unexpected(last.error());
  std::uint64_t stream_epoch = 0;
  auto fence = [&](std::string why) {
    app::Error e{Code::failed_precondition, "fenced: " + why + "; this writer ships nothing more and takes no sends",
                 {}, {}, "fenced"};
    spdlog::error("replication: {}", e.message);
    {
      std::lock_guard lock(mutex_);
      status_.fenced = e;
    }
    if (options_.on_fenced) options_.on_fenced(e);
  };
  if (!*last) {
    next_ = 1;
    last_sequence_ = stream->last_sequence;
  } else {
    auto range = range_of((*last)->headers);
    if (!range) return std::unexpected(range.error());
    const std::uint64_t last_sequence = (*last)->sequence;
    const std::uint64_t head = log_.durable_head();
    if (range->last > head) {
      fence("stream " + options_.stream + " ends at position " + std::to_string(range->last) +
            ", past this log's head " + std::to_string(head) + ": another writer has written it");
      return {};
    }
    // The last message with events (a message may carry checkpoints alone).
    std::optional<LogMessage> message;
    for (std::uint64_t seq = last_sequence; seq > 0 && range->last > 0; --seq) {
      auto m = seq == last_sequence ? std::move(last) : link_->message(options_.stream, seq);
      if (!m) return std::unexpected(m.error());
      if (!*m) return app::fail(Code::unavailable, "message " + std::to_string(seq) + " of the stream is gone");
      auto decoded = decode_message((**m).headers, (**m).data);
      if (!decoded) return std::unexpected(decoded.error());
      if (!decoded->segment.envelopes.empty()) {
        message = std::move(*decoded);
        break;
      }
    }
    auto mine = log_.read_segment(range->last, 1, 1);
    if (!mine) return std::unexpected(mine.error());
    if (!message || message->segment.last() != range->last || mine->envelopes.empty() ||
        mine->envelopes.front() != message->segment.envelopes.back()) {
      fence("the event at position " + std::to_string(range->last) + " in stream " + options_.stream +
            " differs from this log's");
      return {};
    }
    auto local = epoch_at(log_, range->last);
    if (!local) return std::unexpected(local.error());
    const std::uint64_t local_epoch = *local ? (*local)->epoch : 0;
    if (local_epoch != range->epoch) {
      fence("the stream's latest writer epoch is " + std::to_string(range->epoch) + ", this writer's is " +
            std::to_string(local_epoch));
      return {};
    }
    stream_epoch = range->epoch;
    next_ = range->last + 1;
    last_sequence_ = last_sequence;
  }
  if (!epoch_started_) {
    auto latest = epoch_at(log_);
    if (!latest) return std::unexpected(latest.error());
    if (*latest && (*latest)->epoch > stream_epoch && (*latest)->position >= next_) {
      epoch_position_ = (*latest)->position;  // appended by an earlier start, never shipped
      std::lock_guard lock(mutex_);
      status_.epoch = (*latest)->epoch;
    } else {
      auto appended = append_epoch(log_, stream_epoch + 1, options_.advertise_url);
      if (!appended) return std::unexpected(appended.error());
      epoch_position_ = appended->position;
      std::lock_guard lock(mutex_);
      status_.epoch = appended->epoch;
    }
    previous_epoch_ = stream_epoch;
    epoch_started_ = true;
    spdlog::info("replication: writer epoch {} ships the log to stream {} (subject {}) from position {}",
                 status_.epoch, options_.stream, subject_, next_.load());
  }
  {
    std::lock_guard lock(mutex_);
    status_.position = next_ - 1;
    status_.stream_position = next_ - 1;
  }
  budget_ = static_cast<std::size_t>(std::max<std::int64_t>(link_->max_payload(), 4096)) * 3 / 4;
  // A stream kept to a byte limit (--replicate-max-bytes at its creation, or whatever
  // it has now) drops its oldest messages to take a new one: messages of an eighth of
  // it at most leave it holding its latest ones (a message larger than the whole limit
  // would leave it holding none).
  if (stream->max_bytes > 0)
    budget_ = std::min(budget_, static_cast<std::size_t>(std::max<std::int64_t>(stream->max_bytes / 8, 1024)));
  synced_ = true;
  log_.release(next_ - 1);  // the stream holds this log up to there
  return {};
}

app::Status Shipper::ship_next() {
  auto segment = log_.read_segment(next_, kMaxEventsPerMessage, budget_);
  if (!segment) return std::unexpected(segment.error());
  // Nothing new, or checkpoints alone that moved since the last message: those ship
  // too, so that a replica's read-your-writes waits see what the policies handled.
  if (segment->envelopes.empty() && (!segment->has_checkpoints || segment->checkpoints == shipped_checkpoints_)) {
    idle_ = true;
    log_.durable().wait_for(next_, kIdlePoll);
    return {};
  }
  idle_ = false;
  // In sync mode no message waits: senders wait for it, and what arrives while one is
  // being acknowledged makes the next one bigger anyway.
  if (!lingered_ && options_.linger.count() > 0 && options_.mode == Mode::async && segment->envelopes.size() < kMaxEventsPerMessage &&
      segment_bytes(*segment) < budget_ / 2) {
    // Small: wait once for more events, then read again from the same position.
    lingered_ = true;
    sleep_for(options_.linger);
    return {};
  }
  lingered_ = false;
  LogMessage message{std::move(*segment), 0};
  message.epoch = message.segment.last() >= epoch_position_ ? status_.epoch : previous_epoch_;
  const EncodedMessage encoded = encode_message(message);
  if (static_cast<std::int64_t>(encoded.body.size()) > link_->max_payload()) {
    if (message.segment.envelopes.size() == 1)
      return app::fail(Code::failed_precondition, "the event at position " + std::to_string(next_.load()) +
                                                      " does not fit in the server's max_payload");
    budget_ /= 2;
    return {};
  }
  auto sequence = link_->publish(subject_, encoded.headers, encoded.body, last_sequence_,
                                 options_.publish_timeout.count());
  if (!sequence) return std::unexpected(sequence.error());
  last_sequence_ = *sequence;
  next_ = message.segment.last() + 1;
  if (message.segment.has_checkpoints) shipped_checkpoints_ = std::move(message.segment.checkpoints);
  {
    std::lock_guard lock(mutex_);
    status_.position = next_ - 1;
    status_.stream_position = next_ - 1;
    ++status_.messages;
    status_.events += message.segment.envelopes.size();
  }
  log_.release(next_ - 1);  // JetStream holds it: it may be acted on (sync mode)
  return {};
}

void Shipper::run() {
  while (!stopping_) {
    {
      std::lock_guard lock(mutex_);
      if (status_.fenced) break;
    }
    app::Status step = ensure_link();
    if (step && !synced_) step = sync();
    if (step && synced_) step = ship_next();
    if (step) {
      if (synced_) note_ok();
      continue;
    }
    note_error(step.error());
    synced_ = false;  // whatever failed, look at the stream again before the next publish
    if (step.error().code != Code::aborted) sleep_for(kRetry);
  }
}

}  // namespace mailbox::replication
