#include "core/projections/followers.h"

#include <algorithm>
#include <future>

namespace mailbox::projections {

using Clock = std::chrono::steady_clock;

namespace {

std::chrono::milliseconds left(Clock::time_point deadline) {
  return std::chrono::ceil<std::chrono::milliseconds>(std::max(deadline - Clock::now(), Clock::duration(0)));
}

}  // namespace

Followers::Followers(eventstore::EventStore& log, ViewStore& views, WorkerOptions workers, PolicyOptions policies)
    : log_(log), views_(views), workers_(workers), policies_(policies) {
  waiters_.watch(log_.committed());
}

Followers::~Followers() { stop(); }

void Followers::add_policy(Policy& policy) {
  auto runner = std::make_unique<PolicyRunner>(log_, policy, policies_);
  waiters_.watch(runner->state().position());
  runners_.push_back(std::move(runner));
}

void Followers::add_view(Projection& projection, ViewOptions options) {
  View view{std::make_unique<ProjectionHost>(log_, views_, projection, workers_), {}, options.gates_readiness};
  for (const auto& name : options.feeders)
    for (auto& runner : runners_)
      if (runner->name() == name) view.feeders.push_back(runner.get());
  waiters_.watch(view.host->position());
  view_list_.push_back(std::move(view));
}

Status Followers::start() {
  for (auto& runner : runners_) {
    if (listener_)
      runner->state().set_listener([this, name = std::string(runner->name())](const auto& e) {
        listener_(name, FollowerStatus::Kind::policy, e);
      });
    if (auto s = runner->start(); !s) return s;
  }
  for (auto& view : view_list_) {
    if (listener_)
      view.host->set_listener([this, name = std::string(view.host->name())](const auto& e) {
        listener_(name, FollowerStatus::Kind::view, e);
      });
    if (auto s = view.host->start(); !s) return s;
  }
  return {};
}

void Followers::lead() {
  for (auto& runner : runners_) runner->lead();
}

void Followers::stop() {
  waiters_.cancel_all(true);
  for (auto& runner : runners_) runner->stop();
  for (auto& view : view_list_) view.host->stop();
}

const Followers::View* Followers::find_view(std::string_view name) const {
  for (const auto& view : view_list_)
    if (view.host->name() == name) return &view;
  return nullptr;
}

void Followers::chain(const View* view, std::size_t stage, std::uint64_t target, Clock::time_point deadline,
                      Done done) {
  if (stage == view->feeders.size()) return waiters_.wait(view->host->position(), target, left(deadline), std::move(done));
  waiters_.wait(view->feeders[stage]->state().position(), target, left(deadline),
                [this, view, stage, target, deadline, done = std::move(done)](bool reached) mutable {
                  if (!reached) return done(false);
                  // The feeder has handled target: what it derived is at or below
                  // the last position it committed (not later writes of others).
                  chain(view, stage + 1, std::max(target, view->feeders[stage]->derived_upto()), deadline,
                        std::move(done));
                });
}

void Followers::when_visible(std::string_view name, std::uint64_t position, std::chrono::milliseconds timeout,
                             Done done) {
  const View* view = find_view(name);
  if (view == nullptr) return done(false);
  if (position == 0) return done(true);
  chain(view, 0, position, Clock::now() + timeout, std::move(done));
}

bool Followers::wait_visible(std::string_view view, std::uint64_t position, std::chrono::milliseconds timeout) {
  auto promise = std::make_shared<std::promise<bool>>();
  auto future = promise->get_future();
  when_visible(view, position, timeout, [promise](bool reached) { promise->set_value(reached); });
  return future.get();
}

void Followers::when_caught_up(std::uint64_t position, std::chrono::milliseconds timeout, Done done) {
  catch_up_from(0, position, Clock::now() + timeout, std::move(done));
}

void Followers::catch_up_from(std::size_t i, std::uint64_t position, Clock::time_point deadline, Done done) {
  while (i < view_list_.size() && !view_list_[i].gates_readiness) ++i;
  if (i == view_list_.size()) return done(true);
  if (position == 0) return done(true);
  chain(&view_list_[i], 0, position, deadline,
        [this, i, position, deadline, done = std::move(done)](bool reached) mutable {
          if (!reached) return done(false);
          catch_up_from(i + 1, position, deadline, std::move(done));
        });
}

void Followers::when_logged(std::uint64_t position, std::chrono::milliseconds timeout, Done done) {
  waiters_.wait(log_.committed(), position, timeout, std::move(done));
}

void Followers::cancel_waits(bool close) { waiters_.cancel_all(close); }

Result<RebuildResult> Followers::rebuild(std::string_view name, const std::function<void(std::uint64_t)>& on_batch) {
  for (auto& view : view_list_)
    if (view.host->name() == name) return view.host->rebuild_online(on_batch);
  return eventstore::fail(Code::not_found, "no view named '" + std::string(name) + "'");
}

std::vector<std::string> Followers::view_names() const {
  std::vector<std::string> names;
  for (const auto& view : view_list_) names.emplace_back(view.host->name());
  return names;
}

std::vector<FollowerStatus> Followers::status() const {
  std::vector<FollowerStatus> out;
  for (const auto& runner : runners_)
    out.push_back({std::string(runner->name()), FollowerStatus::Kind::policy, runner->position(),
                   runner->state().error(), runner->retries(), runner->policy().counters()});
  for (const auto& view : view_list_)
    out.push_back({std::string(view.host->name()), FollowerStatus::Kind::view, view.host->position().get(),
                   view.host->error(), view.host->retries(), {}});
  return out;
}

std::optional<FollowerStatus> Followers::status(std::string_view name) const {
  for (auto& f : status())
    if (f.name == name) return f;
  return std::nullopt;
}

const eventstore::Watermark* Followers::position_of(std::string_view name) const {
  for (const auto& runner : runners_)
    if (runner->name() == name) return &runner->state().position();
  if (const View* view = find_view(name)) return &view->host->position();
  return nullptr;
}

bool Followers::wait_handled(std::string_view name, std::uint64_t position, std::chrono::milliseconds timeout) const {
  const eventstore::Watermark* w = position_of(name);
  return w != nullptr && w->wait_for(position, timeout);
}

void Followers::stop(std::string_view name) {
  for (auto& runner : runners_)
    if (runner->name() == name) runner->stop();
  for (auto& view : view_list_)
    if (view.host->name() == name) view.host->stop();
}

Status Followers::start(std::string_view name) {
  for (auto& runner : runners_)
    if (runner->name() == name) return runner->start();
  for (auto& view : view_list_)
    if (view.host->name() == name) return view.host->start();
  return eventstore::fail(Code::not_found, "no follower named '" + std::string(name) + "'");
}

}  // namespace mailbox::projections
