#include "core/projections/projection_host.h"

namespace mailbox::projections {

ProjectionHost::ProjectionHost(const eventstore::EventStore& log, ViewStore& views, Projection& projection,
                               WorkerOptions options)
    : log_(log), views_(views), projection_(projection), options_(options) {}

ProjectionHost::~ProjectionHost() { stop(); }

Status ProjectionHost::start_worker(std::uint64_t generation) {
  auto worker = std::make_unique<ProjectionWorker>(log_, views_, projection_, generation, options_);
  // Forward the worker's moves to the host's watermark before it starts moving.
  auto forward = worker->on_position([this](std::uint64_t p) { position_.advance(p); });
  if (auto s = worker->start(); !s) return s;
  position_.advance(worker->position());
  worker_ = std::move(worker);
  forward_ = std::move(forward);
  return {};
}

Status ProjectionHost::start() {
  std::lock_guard lock(mutex_);
  return start_worker(views_.active_generation(projection_.name()));
}

void ProjectionHost::stop() {
  std::lock_guard lock(mutex_);
  if (worker_) worker_->stop();
  forward_.reset();
  worker_.reset();
}

std::optional<eventstore::Error> ProjectionHost::error() const {
  std::lock_guard lock(mutex_);
  return worker_ ? worker_->state().error() : std::nullopt;
}

Result<RebuildResult> ProjectionHost::rebuild_online(const std::function<void(std::uint64_t)>& on_batch) {
  std::lock_guard rebuilding(rebuild_mutex_);
  auto generation = views_.new_generation(projection_.name());
  if (!generation) return std::unexpected(generation.error());
  if (auto s = views_.drop(projection_.name(), *generation); !s) return std::unexpected(s.error());

  // Catch up in the background of the live worker, as close as it gets.
  ProjectionWorker builder(log_, views_, projection_, *generation, options_);
  do {
    if (auto s = builder.run_until(position_.get(), on_batch); !s) return std::unexpected(s.error());
  } while (position_.get() > builder.position() + options_.batch_events);

  std::lock_guard lock(mutex_);
  const std::uint64_t old_generation = worker_ ? worker_->generation() : views_.active_generation(projection_.name());
  if (worker_) worker_->stop();
  // On failure from here on, the old generation goes back to work and stays active.
  auto resume_old = [&](Error e) -> Result<RebuildResult> {
    forward_.reset();
    worker_.reset();
    (void)start_worker(old_generation);
    (void)views_.drop(projection_.name(), *generation);
    return std::unexpected(std::move(e));
  };
  // The live worker is stopped at position_; bring the new generation level with it.
  if (auto s = builder.run_until(position_.get(), on_batch); !s) return resume_old(s.error());
  if (builder.position() < position_.get())
    return resume_old(Error{Code::internal, "rebuilt view stopped short of the live one", std::nullopt});
  if (auto s = views_.activate(projection_.name(), *generation); !s) return resume_old(s.error());
  forward_.reset();
  worker_.reset();
  if (auto s = start_worker(*generation); !s) return std::unexpected(s.error());
  if (auto s = views_.drop(projection_.name(), old_generation); !s) return std::unexpected(s.error());
  return RebuildResult{*generation, builder.position(), builder.rows_written()};
}

}  // namespace mailbox::projections
