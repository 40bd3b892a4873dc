#include "app/engine.h"

#include <spdlog/spdlog.h>

#include <filesystem>

#include "app/catalog.h"
#include "app/publisher/event_publisher.h"
#include "app/queries/readmails_projection.h"
#include "app/replication/replica.h"
#include "app/replication/shipper.h"
#include "app/replication/tail_cut.h"
#include "app/replication/writer_epochs.h"

namespace mailbox::app {

namespace {
// At stop, how long the shipper may go on shipping what is committed.
constexpr std::chrono::milliseconds kShipOnStop{1000};
// Positions whose dedupe rows a replicating store keeps in memory for its shipper (at most
// about 4 MB; a shipper further behind reads them from RocksDB).
constexpr std::size_t kRecentDedupeRows = 65'536;

// Views that applied events from position `from` on (cut from the log) start again
// from an empty generation: their workers rebuild them from the log.
Status restart_views_past(projections::ViewStore& views, std::uint64_t from) {
  for (const auto& entry : app::views()) {
    const std::string name(entry.name);
    auto generation = views.active_generation(name);
    if (!generation) return std::unexpected(generation.error());
    auto checkpoint = views.checkpoint(name, *generation);
    if (!checkpoint) return std::unexpected(checkpoint.error());
    if (*checkpoint < from) continue;
    auto fresh = views.new_generation(name);
    if (!fresh) return std::unexpected(fresh.error());
    if (auto s = views.activate(name, *fresh); !s) return s;
    if (auto s = views.drop(name, *generation); !s) return s;
    spdlog::warn("view {} had applied the cut tail (up to position {}): it is rebuilt from the log", name, *checkpoint);
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::open(EngineOptions options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) return fail(Code::unavailable, "cannot create the data folder '" + options.data_dir + "': " + ec.message());
  const auto base = std::filesystem::path(options.data_dir);
  if (!options.store.on_failure)
    options.store.on_failure = [](const Error& e) {
      if (e.reason == "disk_full")
        spdlog::error("log: {}; sends are refused (507) until there is room on the disk", e.message);
      else
        spdlog::error("log: {}; sends are refused until mailboxd is restarted", e.message);
    };
  if (!options.store.on_recovery)
    options.store.on_recovery = [] { spdlog::info("log: there is room on the disk again; sends are taken again"); };
  if (options.replication.role == replication::Role::replica) options.policies.follow_checkpoint = true;
  // A writer's shipper (a replica's too, once promoted) reads each commit's dedupe rows
  // right after it: from memory, for the last kRecentDedupeRows positions.
  if (options.replication.role != replication::Role::none && options.store.recent_dedupe_rows == 0)
    options.store.recent_dedupe_rows = kRecentDedupeRows;
  // A synchronous writer acts on nothing JetStream does not hold: its shipper releases
  // what was acknowledged (the last start's unshipped tail included).
  if (options.replication.role == replication::Role::writer && options.replication.mode == replication::Mode::sync)
    options.store.hold_releases = true;
  std::optional<replication::TailCut> cut;
  if (options.replication.role == replication::Role::replica) {
    // A fenced writer made a replica: its tail past the stream goes before anything reads it.
    auto c = replication::cut_divergent_tail((base / "log").string(), options.store, options.replication);
    if (!c) return std::unexpected(c.error());
    cut = *c;
  }
  auto log = eventstore::EventStore::open((base / "log").string(), options.store);
  if (!log) return std::unexpected(log.error());
  projections::ViewStoreOptions view_options;
  view_options.env = options.store.env;
  view_options.max_open_files = options.store.max_open_files;
  view_options.memtable_budget_bytes = options.views_memtable_budget_bytes;
  auto views = projections::ViewStore::open((base / "views").string(), view_options);
  if (!views) return std::unexpected(views.error());
  // A view ahead of its log (the log was cut, and the process stopped before the views
  // were restarted) is rebuilt; after a cut, every view that applied the tail.
  const std::uint64_t past = cut ? cut->from : (*log)->durable_head() + 1;
  if (auto s = restart_views_past(**views, past); !s) return std::unexpected(s.error());
  std::unique_ptr<Engine> engine(new Engine(std::move(options), std::move(*log), std::move(*views)));
  engine->cut_ = cut;
  return engine;
}

Engine::Engine(EngineOptions options, std::unique_ptr<eventstore::EventStore> log,
               std::unique_ptr<projections::ViewStore> views)
    : options_(std::move(options)),
      log_(std::move(log)),
      views_(std::move(views)),
      followers_(*log_, *views_, options_.workers, options_.policies),
      send_(*log_, options_.payment_gate ? *options_.payment_gate : approve_all_,
            [this](std::function<void()> fn) { continuations_.post(std::move(fn)); }, confirmation()),
      mark_read_(*log_, [this](std::function<void()> fn) { continuations_.post(std::move(fn)); }, confirmation()),
      redrive_(*log_, confirmation()),
      readmails_query_(*views_),
      sentmails_query_(*views_),
      alarms_query_(*views_),
      events_(*log_) {
  role_ = options_.replication.role;
  const PolicyDeps deps{options_.alarm_sink ? *options_.alarm_sink : log_sink_};
  for (const auto& entry : policies()) {
    policies_.push_back(entry.make(deps));
    followers_.add_policy(*policies_.back());
  }
  for (const auto& entry : app::views()) {
    projections_.push_back(entry.make());
    followers_.add_view(*projections_.back(),
                        {std::vector<std::string>(entry.feeders.begin(), entry.feeders.end()), entry.gates_readiness});
  }
  // A follower stuck or well again is said once, not at every retry.
  followers_.set_listener([](std::string_view name, FollowerStatus::Kind kind, const std::optional<Error>& error) {
    const char* what = kind == FollowerStatus::Kind::policy ? "policy" : "view";
    if (error) spdlog::error("{} {} is stuck: {}", what, name, error->message);
    else spdlog::info("{} {} works again", what, name);
  });
}

commands::Confirmation Engine::confirmation() {
  const auto& r = options_.replication;
  if (r.mode != replication::Mode::sync || r.role == replication::Role::none) return {};
  // A replica promoted to writer holds releases from then on; until then its commands
  // are refused before they write.
  return commands::Confirmation(
      [this](std::uint64_t position, std::chrono::milliseconds timeout, commands::Confirmation::Released released) {
        followers_.when_logged(position, timeout, std::move(released));
      },
      r.ack_timeout);
}

Engine::~Engine() {
  stop();
  publisher_.reset();
  shipper_.reset();
  replica_.reset();
  // The last completions run now, while the handlers they call back are alive; what
  // they post runs as continuations_ goes, before the handlers go.
  log_->stop_appends();
}

Status Engine::start() {
  if (auto s = followers_.start(); !s) return s;
  const auto& r = options_.replication;
  if (r.role == replication::Role::writer) {
    if (auto s = start_shipping(r); !s) return s;
  }
  if (r.role == replication::Role::replica) {
    auto replica = std::make_unique<replication::Replica>(*log_, r);
    auto started = replica->start();
    {
      std::lock_guard lock(replication_mutex_);
      replica_ = std::move(replica);
    }
    if (!started) return started;
  }
  if (options_.events.enabled()) {
    publisher_ = std::make_unique<publisher::EventPublisher>(*log_, options_.events);
    if (auto s = publisher_->start(); !s) return s;
  }
  return {};
}

Status Engine::start_shipping(replication::ReplicationOptions options) {
  options.role = replication::Role::writer;
  options.on_fenced = [this](const Error& e) {
    // The log has left the stream: nothing more may be derived from it here (the new
    // writer's policies go on from the checkpoints in the stream).
    for (const auto& policy : policies_) followers_.stop(policy->name());
    if (options_.on_fenced) options_.on_fenced(e);
  };
  auto shipper = std::make_unique<replication::Shipper>(*log_, std::move(options));
  auto started = shipper->start();
  std::lock_guard lock(replication_mutex_);
  shipper_ = std::move(shipper);
  return started;
}

std::optional<Error> Engine::fenced() const {
  std::lock_guard lock(replication_mutex_);
  return shipper_ ? shipper_->fenced() : std::nullopt;
}

Result<Promotion> Engine::promote() {
  std::lock_guard promoting(promote_mutex_);
  if (role_ != replication::Role::replica)
    return fail_because(Code::failed_precondition, "not_a_replica",
                        role_ == replication::Role::writer ? "this process is the writer already"
                                                           : "this process is not a read replica (no --follow)");
  replication::Replica* replica = nullptr;
  {
    std::lock_guard lock(replication_mutex_);
    replica = replica_.get();
  }
  auto not_caught_up = [&](std::uint64_t head, std::uint64_t end) {
    return fail_because(Code::failed_precondition, "not_caught_up",
                        "this replica's log ends at position " + std::to_string(head) + ", stream " +
                            options_.replication.stream + "'s at " + std::to_string(end) +
                            ": promote it once it has caught up");
  };
  // Looked at first while the replica goes on copying: a replica behind is refused
  // without being stopped and started again.
  if (auto end = replica->stream_end(); !end) return std::unexpected(end.error());
  else if (*end != log_->durable_head()) return not_caught_up(log_->durable_head(), *end);
  replica->stop();
  auto resume = [&] {
    auto fresh = std::make_unique<replication::Replica>(*log_, options_.replication);
    if (auto s = fresh->start(); !s) spdlog::error("replica: cannot follow again after a refused promotion: {}", s.error().message);
    std::lock_guard lock(replication_mutex_);
    replica_ = std::move(fresh);
  };
  auto end = replica->stream_end();
  const std::uint64_t head = log_->durable_head();
  if (!end) {
    resume();
    return std::unexpected(end.error());
  }
  if (*end != head) {
    resume();
    return not_caught_up(head, *end);
  }
  spdlog::info("promotion: the log ends where stream {} does (position {}): taking over as the writer",
               options_.replication.stream, head);
  // Sync mode: from the writer epoch on, only what JetStream acknowledged is acted on.
  if (options_.replication.mode == replication::Mode::sync) log_->hold_releases();
  if (auto s = start_shipping(options_.replication); !s) {
    {
      std::lock_guard lock(replication_mutex_);
      shipper_.reset();
    }
    resume();
    return std::unexpected(s.error());
  }
  {
    std::lock_guard lock(replication_mutex_);
    replica_.reset();
  }
  role_ = replication::Role::writer;
  const auto& r = options_.replication;
  auto epoch = shipper_->wait_epoch_shipped(r.publish_timeout + r.nats.connect_timeout);
  if (!epoch && epoch.error().reason == "fenced") return std::unexpected(epoch.error());
  followers_.lead();
  Promotion out{epoch.value_or(0), log_->head(), writer_url(), epoch.has_value()};
  if (epoch) spdlog::info("promotion: writer epoch {} is in stream {}; policies run, sends are taken", *epoch, r.stream);
  else spdlog::warn("promotion: {}; sends are taken, and ship once it answers", epoch.error().message);
  return out;
}

void Engine::stop() {
  stopping_.request_stop();
  std::lock_guard promoting(promote_mutex_);
  if (replica_) replica_->stop();
  // Sync mode: the writes waiting for JetStream get their answer before the waits go.
  if (shipper_ && options_.replication.mode == replication::Mode::sync) shipper_->drain(kShipOnStop);
  followers_.stop();
  // The policies' last commits and checkpoints ship too, while JetStream answers.
  if (shipper_) shipper_->stop(kShipOnStop);
  // And their events are published, while JetStream answers.
  if (publisher_) publisher_->stop(kShipOnStop);
}

std::string Engine::writer_url() const {
  auto latest = replication::epoch_at(*log_);
  return latest && *latest ? (*latest)->url : std::string();
}

void Engine::when_visible(std::string_view view, std::uint64_t position, std::chrono::milliseconds timeout,
                          Done done) {
  followers_.when_visible(view, position, timeout, std::move(done));
}

void Engine::when_message_visible(std::string_view message_id, std::chrono::milliseconds timeout, Done done) {
  auto mail = readmails_query_.by_id(message_id);
  if (!mail) return done(false);  // the query will say what failed
  if (*mail) return done(true);
  auto position = events_.message_position(message_id);
  if (!position) return done(false);
  if (!*position) return done(true);  // not in the log either: nothing to wait for
  followers_.when_visible(queries::ReadmailsProjection::kName, **position, timeout, std::move(done));
}

void Engine::when_caught_up(std::uint64_t position, std::chrono::milliseconds timeout, Done done) {
  followers_.when_caught_up(position, timeout, std::move(done));
}

void Engine::when_logged(std::uint64_t position, std::chrono::milliseconds timeout, Done done) {
  followers_.when_logged(position, timeout, std::move(done));
}

bool Engine::wait_visible(std::string_view view, std::uint64_t position, std::chrono::milliseconds timeout) {
  return followers_.wait_visible(view, position, timeout);
}

void Engine::cancel_waits() { followers_.cancel_waits(true); }

Result<RebuildResult> Engine::rebuild(std::string_view view) { return followers_.rebuild(view); }

Result<backup::Taken> Engine::take_backup(const std::filesystem::path& dir) {
  return backup::take_backup(*log_, dir, stopping_.get_token());
}

std::vector<std::string> Engine::view_names() const { return followers_.view_names(); }

EngineStatus Engine::status() const {
  EngineStatus status{log_->head(), log_->writer_stats(), log_->failure(), followers_.status(),
                      send_.payments_orphaned(), std::nullopt, std::nullopt};
  std::lock_guard lock(replication_mutex_);
  if (shipper_) status.replication = shipper_->status();
  if (replica_) status.replication = replica_->status();
  if (status.replication && cut_) {
    status.replication->cut_events = cut_->events;
    status.replication->cut_sends = cut_->sends;
  }
  if (publisher_) status.events = publisher_->status();
  return status;
}

Health health_of(const EngineStatus& status) {
  if (status.log_failure) {
    if (status.log_failure->reason == "disk_full")
      return {"disk_full", "the disk is full: sends are refused until there is room again, then taken without a restart; " +
                               status.log_failure->message};
    return {"storage_failed", "the log cannot be written: restart mailboxd; " + status.log_failure->message};
  }
  if (const auto& r = status.replication) {
    if (r->fenced) return {"fenced", r->fenced->message};
    if (r->failed) return {"replica_failed", r->failed->message};
    if (r->role == replication::Role::replica && !r->caught_up)
      return {"replica_behind", r->stream_known ? "the replica is " + std::to_string(r->lag_events) +
                                                      " events behind the stream (ready within --follow-max-lag)"
                                                : "the replica has not reached the stream yet" +
                                                      (r->error ? ": " + r->error->message : std::string())};
  }
  for (const auto& f : status.followers)
    if (f.error && f.error->reason == "disk_full")
      return {"disk_full", std::string(f.kind == FollowerStatus::Kind::policy ? "policy " : "view ") + f.name +
                               " is behind: the disk is full; it catches up by itself once there is room (" +
                               f.error->message + ")"};
  for (const auto& f : status.followers)
    if (f.error) {
      const bool policy = f.kind == FollowerStatus::Kind::policy;
      return {policy ? "policy_failed" : "view_failed",
              (policy ? "policy " : "view ") + f.name + " is stuck: " + f.error->message};
    }
  return {};
}

}  // namespace mailbox::app
