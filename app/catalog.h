#pragma once
// The mailbox's followers of the log, listed once: the policies (which derive events)
// and the views (which the queries read). The engine runs what is listed here, and
// everything that concerns every view reads this list: readiness, metrics,
// POST /admin/rebuild, mailbox-replay (rebuild, verify, stats) and the
// read-your-writes waits. Adding a view is one entry in views() (catalog.cc).

#include <memory>
#include <string_view>
#include <vector>

#include "app/commands/alarm_sink.h"
#include "core/projections/policy.h"
#include "core/projections/projection.h"

namespace mailbox::app {

// What a policy may need from the process that runs it.
struct PolicyDeps {
  commands::AlarmSink& alarm_sink;
};

struct PolicyEntry {
  std::string_view name;  // its checkpoint's name in the log
  std::unique_ptr<projections::Policy> (*make)(const PolicyDeps& deps);
};

struct ViewEntry {
  std::string_view name;  // its rows' prefix and checkpoint name in the views database
  std::unique_ptr<projections::Projection> (*make)();
  // The policies whose output the view shows, in the order it flows; a query's
  // min_position waits for each, then for the view.
  std::vector<std::string_view> feeders;
  // Whether mailboxd is ready only once this view has caught up at start.
  bool gates_readiness;
};

// In the order they run and are reported.
const std::vector<PolicyEntry>& policies();
const std::vector<ViewEntry>& views();
// The view named so; null when there is none.
const ViewEntry* find_view(std::string_view name);

}  // namespace mailbox::app
