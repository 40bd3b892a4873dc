#pragma once
// A projection and a policy for tests of the followers' machinery, knowing nothing of
// mailboxes: the projection keeps one row per event it wants, the policy derives one
// event per event it wants. Either can be told to fail or to hold.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>

#include "core/projections/policy.h"
#include "core/projections/projection.h"

namespace mailbox::testing {

// Rows "e/<position>" = the event's payload, for events of type "Test" (or any type
// when all_types). fail_at: the event at that position is refused with corruption.
// Held (hold(true)): apply blocks until released.
class RowPerEvent final : public projections::Projection {
 public:
  explicit RowPerEvent(std::string name = "rows", bool all_types = false)
      : name_(std::move(name)), all_types_(all_types) {}
  std::string_view name() const override { return name_; }
  bool wants(std::string_view type) const override { return all_types_ || type == "Test"; }
  eventstore::Status apply(const eventstore::RecordedEvent& e, projections::ViewWriter& view) override {
    {
      std::unique_lock lock(mutex_);
      ++waiting_;
      released_.wait(lock, [&] { return !held_; });
      --waiting_;
    }
    if (e.position == fail_at.load())
      return eventstore::fail(eventstore::Code::corruption, "cannot apply position " + std::to_string(e.position));
    view.put("e/" + std::to_string(e.position), e.payload);
    return {};
  }
  void hold(bool on) {
    {
      std::lock_guard lock(mutex_);
      held_ = on;
    }
    released_.notify_all();
  }
  int waiting() {
    std::lock_guard lock(mutex_);
    return waiting_;
  }
  std::atomic<std::uint64_t> fail_at{0};

 private:
  const std::string name_;
  const bool all_types_;
  std::mutex mutex_;
  std::condition_variable released_;
  bool held_ = false;
  int waiting_ = 0;
};

// For each "Test" event, appends one "Derived" event to stream "derived" (its id derived
// from the source's). unavailable_times: the first that many reactions answer
// unavailable; fail_at: the event at that position is refused with invalid_argument.
class DerivePerEvent final : public projections::Policy {
 public:
  std::string_view name() const override { return "derive"; }
  bool wants(std::string_view type) const override { return type == "Test"; }
  eventstore::Result<std::vector<eventstore::StreamAppend>> react(const eventstore::RecordedEvent& e) override {
    ++reactions;
    if (unavailable_times > 0) {
      --unavailable_times;
      return eventstore::fail(eventstore::Code::unavailable, "not now");
    }
    if (e.position == fail_at.load()) return eventstore::fail(eventstore::Code::invalid_argument, "never");
    eventstore::NewEvent derived;
    derived.type = "Derived";
    derived.payload = "from " + std::to_string(e.position);
    derived.id = eventstore::derive_event_id(e.id, "derived");
    derived.causation_position = e.position;
    std::vector<eventstore::StreamAppend> out;
    out.push_back({"derived", eventstore::ExpectedVersion::any(), {std::move(derived)}});
    return out;
  }
  std::atomic<int> unavailable_times{0};
  std::atomic<std::uint64_t> fail_at{0};
  std::atomic<int> reactions{0};
};

}  // namespace mailbox::testing
