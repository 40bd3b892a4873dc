#include "app/engine.h"

#include <filesystem>

namespace mailbox::app {

using Clock = std::chrono::steady_clock;

Result<std::unique_ptr<Engine>> Engine::open(EngineOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return eventstore::fail(Code::unavailable, "cannot create the data folder '" + options.data_dir + "': " + ec.message());
  const auto base = std::filesystem::path(options.data_dir);
  auto log = eventstore::EventStore::open((base / "log").string(), options.store);
  if (!log) return std::unexpected(log.error());
  projections::ViewStoreOptions view_options;
  view_options.env = options.store.env;
  auto views = projections::ViewStore::open((base / "views").string(), view_options);
  if (!views) return std::unexpected(views.error());
  return std::unique_ptr<Engine>(new Engine(std::move(options), std::move(*log), std::move(*views)));
}

Engine::Engine(EngineOptions options, std::unique_ptr<eventstore::EventStore> log,
               std::unique_ptr<projections::ViewStore> views)
    : options_(std::move(options)),
      log_(std::move(log)),
      views_(std::move(views)),
      alarm_policy_(options_.alarm_sink ? *options_.alarm_sink : log_sink_),
      mailbox_runner_(*log_, mailbox_policy_, options_.policies),
      alarm_runner_(*log_, alarm_policy_, options_.policies),
      readmails_host_(*log_, *views_, readmails_projection_, options_.workers),
      alarms_host_(*log_, *views_, alarms_projection_, options_.workers),
      send_(*log_, options_.payment_gate ? *options_.payment_gate : approve_all_),
      mark_read_(*log_),
      redrive_(*log_),
      readmails_query_(*views_),
      alarms_query_(*views_) {}

Engine::~Engine() { stop(); }

eventstore::Status Engine::start() {
  if (auto s = mailbox_runner_.start(); !s) return s;
  if (auto s = alarm_runner_.start(); !s) return s;
  if (auto s = readmails_host_.start(); !s) return s;
  return alarms_host_.start();
}

void Engine::stop() {
  mailbox_runner_.stop();
  alarm_runner_.stop();
  readmails_host_.stop();
  alarms_host_.stop();
}

namespace {

std::chrono::milliseconds left(Clock::time_point deadline) {
  return std::chrono::ceil<std::chrono::milliseconds>(std::max(deadline - Clock::now(), Clock::duration(0)));
}

}  // namespace

bool Engine::wait_readmails(std::uint64_t position, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  // The policy has handled the event: its Saved is at or below the head as of then.
  if (!mailbox_runner_.state().position().wait_for(position, left(deadline))) return false;
  const std::uint64_t caused = log_->head();
  return readmails_host_.position().wait_for(caused, left(deadline));
}

bool Engine::wait_alarms(std::uint64_t position, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  if (!mailbox_runner_.state().position().wait_for(position, left(deadline))) return false;
  const std::uint64_t saved_by = log_->head();
  if (!alarm_runner_.state().position().wait_for(saved_by, left(deadline))) return false;
  const std::uint64_t alarmed_by = log_->head();
  return alarms_host_.position().wait_for(alarmed_by, left(deadline));
}

}  // namespace mailbox::app
