#include "app/publisher/event_publisher.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "app/event_json.h"
#include "app/replication/nats_link.h"
#include "core/thread_name.h"

namespace mailbox::publisher {

namespace {

using app::Code;

// Events read and published at once (pipelined, then their acknowledgements awaited).
constexpr std::size_t kBatch = 512;
constexpr std::chrono::milliseconds kRetry{500};
constexpr std::chrono::milliseconds kIdlePoll{100};

std::optional<std::uint64_t> to_u64(const std::string& text) {
  std::uint64_t n = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) return std::nullopt;
  return n;
}

}  // namespace

EventPublisher::EventPublisher(eventstore::EventStore& log, PublisherOptions options)
    : log_(log), options_(std::move(options)), subjects_(options_.subject_prefix + ".>") {}

EventPublisher::~EventPublisher() { stop(); }

app::Status EventPublisher::start() {
  auto first = connect();
  if (!first) {
    if (first.error().code != Code::unavailable) return std::unexpected(first.error());
    failures_.failed(first.error());  // sends go on: the events are published once NATS answers
  } else {
    auto stream = (*first)->ensure_stream({options_.stream, subjects_, options_.replicas, 0, 0});
    if (!stream && stream.error().code != Code::unavailable) return std::unexpected(stream.error());
    connected_ = true;
    first_link_ = std::move(*first);
  }
  thread_ = std::thread([this] { run(); });
  name_thread(thread_, "events");
  return {};
}

void EventPublisher::stop(std::chrono::milliseconds flush) {
  if (thread_.joinable() && flush.count() > 0) {
    const auto deadline = std::chrono::steady_clock::now() + flush;
    while (std::chrono::steady_clock::now() < deadline && !(idle_ && next_ > log_.head()) && !failures_.failing())
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  link_.reset();
  first_link_.reset();
}

void EventPublisher::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, d, [&] { return stopping_.load(); });
}

PublisherStatus EventPublisher::status() const {
  PublisherStatus s;
  s.connected = connected_;
  s.position = next_ - 1;
  s.published = published_;
  s.errors = failures_.errors();
  s.error = failures_.error();
  const std::uint64_t head = log_.head();
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

app::Result<std::unique_ptr<replication::NatsLink>> EventPublisher::connect() {
  return replication::NatsLink::connect(options_.nats, [this](bool up, const std::string& detail) {
    connected_ = up;
    if (up) spdlog::info("events: connected to NATS again ({})", detail);
    else spdlog::warn("events: lost the connection to NATS; sends go on, the events are published when it is back");
  });
}

app::Status EventPublisher::ensure_link() {
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

app::Status EventPublisher::sync() {
  auto stream = link_->ensure_stream({options_.stream, subjects_, options_.replicas, 0, 0});
  if (!stream) return std::unexpected(stream.error());
  auto last = link_->last_message(options_.stream, subjects_);
  if (!last) return std::unexpected(last.error());
  std::uint64_t next = 1;
  if (*last) {
    auto position = to_u64((*last)->header("Mailbox-Position"));
    if (!position)
      return app::fail(Code::failed_precondition, "the last message of stream " + options_.stream +
                                                      " has no Mailbox-Position header: not published by mailboxd");
    next = *position + 1;
    last_sequence_ = (*last)->sequence;
  } else {
    if (stream->last_sequence > 0)
      spdlog::warn("events: stream {} holds no message but has had {}: publishing the log from position 1",
                   options_.stream, stream->last_sequence);
    last_sequence_ = stream->last_sequence;
  }
  if (next > log_.head() + 1)
    spdlog::warn("events: stream {} is ahead of this log (it ends at position {}, the log at {}): publishing "
                 "resumes as the log reaches it",
                 options_.stream, next - 1, log_.head());
  if (next != next_ || !synced_) spdlog::info("events: publishing to stream {} from position {}", options_.stream, next);
  next_ = next;
  synced_ = true;
  return {};
}

app::Status EventPublisher::publish_next() {
  auto events = log_.read_log(next_, kBatch);
  if (!events) return std::unexpected(events.error());
  if (events->empty()) {
    idle_ = true;
    log_.wait_for(next_, kIdlePoll);
    return {};
  }
  idle_ = false;
  std::vector<replication::NatsLink::Outgoing> messages;
  messages.reserve(events->size());
  for (const auto& e : *events) {
    if (!app::has_seed_shape(e.type)) continue;
    const std::string id = eventstore::to_string(e.id);
    messages.push_back({options_.subject_prefix + "." + e.type,
                        {{"Nats-Msg-Id", id}, {"Mailbox-Position", std::to_string(e.position)}, {"Mailbox-Event-Id", id}},
                        app::published_event_json(e)});
  }
  if (!messages.empty()) {
    auto sequence = link_->publish_in_order(messages, last_sequence_, options_.publish_timeout.count());
    if (!sequence) return std::unexpected(sequence.error());
    last_sequence_ = *sequence;
  }
  next_ = events->back().position + 1;
  published_ += messages.size();
  return {};
}

void EventPublisher::run() {
  while (!stopping_) {
    app::Status step = ensure_link();
    if (step && !synced_) step = sync();
    if (step && synced_) step = publish_next();
    if (step) {
      if (synced_ && failures_.ended()) spdlog::info("events: publishing again from position {}", next_.load());
      continue;
    }
    failures_.failed(step.error());
    synced_ = false;  // whatever failed, look at the stream again before the next publish
    sleep_for(kRetry);
  }
}

}  // namespace mailbox::publisher
