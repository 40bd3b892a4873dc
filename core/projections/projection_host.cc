#include "core/projections/projection_host.h"

#include <utility>

namespace mailbox::projections {

ProjectionHost::ProjectionHost(const eventstore::EventStore& log, ViewStore& views, Projection& projection,
                               WorkerOptions options)
    : log_(log), views_(views), projection_(projection), options_(options) {}

ProjectionHost::~ProjectionHost() { stop(); }

Status ProjectionHost::start_worker(std::uint64_t generation) {
  auto worker = std::make_unique<ProjectionWorker>(log_, views_, projection_, generation, options_);
  if (listener_) worker->state().set_listener(listener_);
  // Forward the worker's moves to the host's watermark before it starts moving.
  auto forward = worker->on_position([this](std::uint64_t p) { position_.advance(p); });
  if (auto s = worker->start(); !s) {
    set_host_error(s.error());
    return s;
  }
  position_.advance(worker->position());
  replace_worker(std::move(worker));
  forward_ = std::move(forward);
  set_host_error(std::nullopt);
  return {};
}

void ProjectionHost::replace_worker(std::unique_ptr<ProjectionWorker> worker) {
  std::unique_ptr<ProjectionWorker> old;
  {
    std::lock_guard status(status_mutex_);
    old = std::exchange(worker_, std::move(worker));
  }
  // old (stopped already, or stopping now) goes outside the status lock.
}

void ProjectionHost::set_host_error(std::optional<eventstore::Error> e) {
  bool changed = false;
  {
    std::lock_guard status(status_mutex_);
    changed = host_error_.has_value() != e.has_value();
    host_error_ = e;
  }
  if (listener_ && changed) listener_(e);
}

Status ProjectionHost::start() {
  std::lock_guard lock(mutex_);
  stopped_ = false;
  if (worker_ && !worker_->finished()) return {};  // running already
  const bool was_stuck = worker_ && worker_->state().error();
  if (worker_) worker_->stop();  // halted: starts afresh below
  auto generation = views_.active_generation(projection_.name());
  if (!generation) {
    set_host_error(generation.error());
    return std::unexpected(generation.error());
  }
  auto started = start_worker(*generation);
  if (started && was_stuck && listener_) listener_(std::nullopt);
  return started;
}

void ProjectionHost::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  if (building_) building_->stop();
  if (worker_) worker_->stop();
  forward_.reset();
  replace_worker(nullptr);
}

std::optional<eventstore::Error> ProjectionHost::error() const {
  std::lock_guard status(status_mutex_);
  if (host_error_) return host_error_;
  return worker_ ? worker_->state().error() : std::nullopt;
}

std::uint64_t ProjectionHost::retries() const {
  std::lock_guard status(status_mutex_);
  return worker_ ? worker_->retries() : 0;
}

Result<RebuildResult> ProjectionHost::rebuild_online(const std::function<void(std::uint64_t)>& on_batch) {
  std::lock_guard rebuilding(rebuild_mutex_);
  auto generation = views_.new_generation(projection_.name());
  if (!generation) return std::unexpected(generation.error());
  if (auto s = views_.drop(projection_.name(), *generation); !s) return std::unexpected(s.error());

  ProjectionWorker builder(log_, views_, projection_, *generation, options_);
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return eventstore::fail(Code::unavailable, "the " + std::string(name()) + " view is stopped");
    building_ = &builder;
  }
  // From here on, whatever happens, the new generation is dropped unless activated.
  bool activated = false;
  struct Cleanup {
    ProjectionHost& host;
    std::uint64_t generation;
    const bool& activated;
    ~Cleanup() {
      {
        std::lock_guard lock(host.mutex_);
        host.building_ = nullptr;
      }
      if (!activated) (void)host.views_.drop(host.projection_.name(), generation);
    }
  } cleanup{*this, *generation, activated};

  // Catch up in the background of the live worker, as close as it gets.
  do {
    if (auto s = builder.run_until(position_.get(), on_batch); !s) return std::unexpected(s.error());
  } while (position_.get() > builder.position() + options_.batch_events);

  std::lock_guard lock(mutex_);
  if (stopped_) return eventstore::fail(Code::unavailable, "the rebuild of " + std::string(name()) + " was cancelled");
  auto active = views_.active_generation(projection_.name());
  if (!active) return std::unexpected(active.error());
  const std::uint64_t old_generation = worker_ ? worker_->generation() : *active;
  if (worker_) worker_->stop();
  // On failure from here on, the old generation goes back to work and stays active.
  auto resume_old = [&](Error e) -> Result<RebuildResult> {
    forward_.reset();
    replace_worker(nullptr);
    (void)start_worker(old_generation);  // a failure here shows in error()
    return std::unexpected(std::move(e));
  };
  // The live worker is stopped at position_; bring the new generation level with it.
  if (auto s = builder.run_until(position_.get(), on_batch); !s) return resume_old(s.error());
  if (builder.position() < position_.get())
    return resume_old(Error{Code::internal, "rebuilt view stopped short of the live one", std::nullopt, {}, {}});
  if (auto s = views_.activate(projection_.name(), *generation); !s) return resume_old(s.error());
  activated = true;
  forward_.reset();
  replace_worker(nullptr);
  if (auto s = start_worker(*generation); !s) return std::unexpected(s.error());
  if (auto s = views_.drop(projection_.name(), old_generation); !s) return std::unexpected(s.error());
  return RebuildResult{*generation, builder.position(), builder.rows_written()};
}

}  // namespace mailbox::projections
