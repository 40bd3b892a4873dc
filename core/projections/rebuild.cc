#include "core/projections/rebuild.h"

namespace mailbox::projections {

namespace {

Result<RebuildResult> build(const eventstore::EventStore& log, ViewStore& views, Projection& projection,
                            std::uint64_t upto, const std::function<void(std::uint64_t)>& on_batch,
                            WorkerOptions options) {
  auto generation = views.new_generation(projection.name());
  if (!generation) return std::unexpected(generation.error());
  // A generation number is never reused, but a crash may have left rows under it.
  if (auto s = views.drop(projection.name(), *generation); !s) return std::unexpected(s.error());
  ProjectionWorker worker(log, views, projection, *generation, options);
  if (auto s = worker.run_until(upto, on_batch); !s) {
    (void)views.drop(projection.name(), *generation);  // the first error is the one to report
    return std::unexpected(s.error());
  }
  return RebuildResult{*generation, worker.position(), worker.rows_written()};
}

}  // namespace

Result<RebuildResult> build_generation(const eventstore::EventStore& log, ViewStore& views, Projection& projection,
                                       std::uint64_t upto, WorkerOptions options) {
  return build(log, views, projection, upto, {}, options);
}

Result<RebuildResult> rebuild_offline(const eventstore::EventStore& log, ViewStore& views, Projection& projection,
                                      const std::function<void(std::uint64_t)>& on_batch, std::uint64_t upto,
                                      WorkerOptions options) {
  auto old_generation = views.active_generation(projection.name());
  if (!old_generation) return std::unexpected(old_generation.error());
  auto built = build(log, views, projection, upto, on_batch, options);
  if (!built) return built;
  if (auto s = views.activate(projection.name(), built->generation); !s) return std::unexpected(s.error());
  if (auto s = views.drop(projection.name(), *old_generation); !s) return std::unexpected(s.error());
  return built;
}

}  // namespace mailbox::projections
