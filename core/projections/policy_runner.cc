#include "core/projections/policy_runner.h"

#include <algorithm>
#include <map>

#include "core/projections/jitter.h"
#include "core/thread_name.h"

namespace mailbox::projections {

namespace {
// How often a policy whose commit a failing log refused looks whether it works again.
constexpr std::chrono::milliseconds kRecoveryPoll{50};
}  // namespace

using eventstore::Code;

PolicyRunner::PolicyRunner(eventstore::EventStore& log, Policy& policy, PolicyOptions options)
    : log_(log), policy_(policy), options_(options), following_(options.follow_checkpoint) {}

PolicyRunner::~PolicyRunner() { stop(); }

Status PolicyRunner::start() {
  std::lock_guard control(control_mutex_);
  if (thread_.joinable()) {
    if (!finished_) return {};  // running already
    thread_.join();             // halted: start afresh
  }
  auto cp = log_.checkpoint(policy_.name());
  if (!cp) return std::unexpected(cp.error());
  state_.position().advance(cp->value_or(0));
  // What earlier processes derived from the released log; more, unreleased (sync
  // replication), shows once released and is not waited for.
  derived_upto_.store(std::max(derived_upto_.load(), log_.head()), std::memory_order_release);
  // A follower's runner leads only from lead(), which sets it then.
  ids_new_after_.store(following_ ? UINT64_MAX : log_.durable_head(), std::memory_order_release);
  state_.clear_error();
  stopping_ = false;
  finished_ = false;
  thread_ = std::thread([this] {
    run();
    finished_ = true;
  });
  name_thread(thread_, policy_.name());
  return {};
}

void PolicyRunner::stop() {
  std::lock_guard control(control_mutex_);
  {
    std::lock_guard lock(sleep_mutex_);
    stopping_ = true;
  }
  sleep_cv_.notify_all();
  log_.committed().wake_all();
  if (thread_.joinable()) thread_.join();
}

void PolicyRunner::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(sleep_mutex_);
  sleep_cv_.wait_for(lock, with_jitter(d), [&] { return stopping_.load(); });
}

Result<PolicyRunner::Step> PolicyRunner::step(std::uint64_t from) {
  std::vector<eventstore::RecordedEvent> wanted;
  auto wants = [&](std::string_view type) { return policy_.wants(type); };
  auto scanned = log_.scan_log(from + 1, options_.batch_events, wants, [&](eventstore::RecordedEvent&& e) {
    wanted.push_back(std::move(e));
    return true;
  });
  if (!scanned) return std::unexpected(scanned.error());
  const std::uint64_t last_scanned = *scanned;
  if (last_scanned == from) return Step{from, false, std::nullopt};

  auto reaction = wanted.empty() ? Policy::BatchReaction{} : policy_.react_batch(wanted);
  // Handled: everything before the first wanted event without an answer.
  const std::size_t answered = reaction.answers.size();
  const std::uint64_t handled = answered < wanted.size() ? wanted[answered].position - 1 : last_scanned;
  eventstore::Transaction txn;
  std::map<std::string, std::size_t> part_of_stream;
  for (auto& answer : reaction.answers)
    for (auto& part : answer) {
      // One transaction appends to a stream once: merge what several events derive.
      auto [it, fresh] = part_of_stream.emplace(part.stream, txn.streams.size());
      if (fresh) txn.streams.push_back(std::move(part));
      else
        for (auto& ev : part.events) txn.streams[it->second].events.push_back(std::move(ev));
    }
  if (handled > from) {
    txn.checkpoints.push_back({std::string(policy_.name()), handled});
    txn.ids_are_new = from >= ids_new_after_.load(std::memory_order_acquire);
    txn.each_event_once = true;
    auto committed = log_.commit(std::move(txn));
    if (!committed) {
      // It may be stored after all (a write whose sync failed): from here on what is
      // derived from these events again is looked up.
      ids_new_after_.store(std::max(ids_new_after_.load(), handled), std::memory_order_release);
      return std::unexpected(committed.error());
    }
    std::uint64_t last = derived_upto_.load(std::memory_order_relaxed);
    for (const auto& s : committed->streams) last = std::max(last, s.last_position);
    derived_upto_.store(last, std::memory_order_release);
  }
  Step out{handled, false, std::nullopt};
  if (answered < wanted.size()) {
    eventstore::Error failure = reaction.stopped.value_or(
        eventstore::Error{Code::internal, "the policy stopped without saying why", std::nullopt, {}, {}});
    if (failure.code == Code::unavailable) {
      out.retry_later = true;  // the failed event again, after a pause
    } else {
      failure.message = std::string(policy_.name()) + ", event at position " + std::to_string(handled + 1) + ": " +
                        failure.message;
      out.halt = std::move(failure);
    }
  }
  return out;
}

void PolicyRunner::lead() {
  // What it followed was derived elsewhere, at or below the log's head as of now.
  derived_upto_.store(std::max(derived_upto_.load(), log_.durable_head()), std::memory_order_release);
  ids_new_after_.store(log_.durable_head(), std::memory_order_release);
  following_ = false;
  log_.committed().wake_all();
}

void PolicyRunner::follow_checkpoint() {
  std::uint64_t seen = log_.head();
  while (!stopping_ && following_) {
    auto cp = log_.checkpoint(policy_.name());
    if (!cp) {
      state_.set_error(cp.error());
      return;
    }
    if (*cp) state_.position().advance(**cp);
    // Checkpoints may arrive alone, without moving the head: look again soon anyway.
    if (log_.wait_for(seen + 1, std::chrono::milliseconds(50))) seen = log_.head();
  }
}

void PolicyRunner::run() {
  if (following_) {
    follow_checkpoint();
    if (stopping_ || state_.error()) return;
    // Leading from here: from the checkpoint as it arrived with the log.
    auto cp = log_.checkpoint(policy_.name());
    if (!cp) return state_.set_error(cp.error());
    if (*cp) state_.position().advance(**cp);
  }
  std::uint64_t pos = state_.position().get();
  auto backoff = options_.first_retry;
  while (!stopping_) {
    if (log_.head() <= pos) {
      log_.committed().wait_past(pos, stopping_);
      continue;
    }
    auto next = step(pos);
    if (!next) {
      if (next.error().code == Code::unavailable) {  // the log refused the commit: retry later
        retries_.fetch_add(1, std::memory_order_relaxed);
        if (log_.failure()) {
          // The log refuses writes (a full disk): look again every kRecoveryPoll, and go
          // on as soon as it takes them again rather than at the end of the backoff.
          const auto until = std::chrono::steady_clock::now() + backoff;
          while (!stopping_ && log_.failure() && std::chrono::steady_clock::now() < until) sleep_for(kRecoveryPoll);
          if (!log_.failure()) {
            backoff = options_.first_retry;
            continue;
          }
        } else {
          sleep_for(backoff);
        }
        backoff = std::min(backoff * 2, options_.max_retry);
        continue;
      }
      state_.set_error(next.error());
      return;
    }
    // What was committed counts, also when the policy then stopped at an event.
    if (next->handled > pos) {
      pos = next->handled;
      state_.position().advance(pos);
    }
    if (next->halt) {
      state_.set_error(*next->halt);
      return;  // halted before that event: visible until restarted, never skipped
    }
    if (next->retry_later) {
      retries_.fetch_add(1, std::memory_order_relaxed);
      sleep_for(backoff);
      backoff = std::min(backoff * 2, options_.max_retry);
    } else {
      backoff = options_.first_retry;
    }
  }
}

}  // namespace mailbox::projections
