#pragma once
// What must hold of a data folder however the last process on it ended (killed, or a
// power loss): each policy derived every event up to its checkpoint exactly once and
// nothing past it, and each view equals a fresh build from the log up to the view's own
// checkpoint. Checked with doctest's CHECK and REQUIRE.

#include <doctest/doctest.h>

#include <cstdint>
#include <map>
#include <string>

#include "app/catalog.h"
#include "app/engine.h"
#include "app/events.h"
#include "core/projections/rebuild.h"
#include "tests/support/engine_parts.h"
#include "tests/support/view_dump.h"

namespace mailbox::testing {

struct DerivedCounts {
  std::uint64_t sent = 0, saved = 0, alarmed = 0;
};

// Checks the engine's log and views as described above; returns the events counted.
// REQUIRES: the engine's policies and views are not running.
inline DerivedCounts check_derived_exactly_once(app::Engine& engine) {
  auto& log = log_of(engine);
  const std::uint64_t mailbox_cp = log.checkpoint("mailbox-policy").value().value_or(0);
  const std::uint64_t alarm_cp = log.checkpoint("alarm-policy").value().value_or(0);

  struct Story {
    std::uint64_t sent_at = 0, saved_at = 0;
    int saved = 0, alarm_sent = 0, alarm_arrived = 0;
  };
  std::map<std::string, Story> stories;
  DerivedCounts counts;
  std::uint64_t sources_alarmed_by_cp = 0;
  REQUIRE(log.scan_log(1, UINT64_MAX, [&](eventstore::RecordedEvent&& e) {
               auto decoded = app::decode(e);
               REQUIRE(decoded.has_value());
               Story& s = stories[e.stream];
               if (std::holds_alternative<app::Sent>(*decoded)) {
                 ++counts.sent;
                 s.sent_at = e.position;
                 if (e.position <= alarm_cp) ++sources_alarmed_by_cp;
               } else if (std::holds_alternative<app::Saved>(*decoded)) {
                 ++counts.saved;
                 ++s.saved;
                 s.saved_at = e.position;
                 if (e.position <= alarm_cp) ++sources_alarmed_by_cp;
               } else if (const auto* a = std::get_if<app::Alarmed>(&*decoded)) {
                 ++counts.alarmed;
                 ++(a->kind == app::AlarmKind::sent ? s.alarm_sent : s.alarm_arrived);
               }
               return true;
             }).has_value());

  for (const auto& [stream, s] : stories) {
    CAPTURE(stream);
    REQUIRE(s.sent_at > 0);
    CHECK(s.saved <= 1);
    CHECK(s.alarm_sent <= 1);
    CHECK(s.alarm_arrived <= 1);
    // Exactly once up to the checkpoints, nothing past them.
    CHECK(s.saved == (s.sent_at <= mailbox_cp ? 1 : 0));
    CHECK(s.alarm_sent == (s.sent_at <= alarm_cp ? 1 : 0));
    CHECK(s.alarm_arrived == (s.saved && s.saved_at <= alarm_cp ? 1 : 0));
  }
  CHECK(counts.alarmed == sources_alarmed_by_cp);
  MESSAGE("checkpoints: mailbox " << mailbox_cp << ", alarm " << alarm_cp << " of head " << log.head());

  for (const auto& entry : app::views()) {
    const auto p = entry.make();
    auto& views = views_of(engine);
    const auto generation = views.active_generation(p->name()).value();
    const std::uint64_t cp = views.checkpoint(p->name(), generation).value();
    auto fresh = projections::build_generation(log, views, *p, cp);
    REQUIRE(fresh.has_value());
    CHECK(fresh->position == cp);
    CHECK(dump(views, p->name(), fresh->generation) == dump(views, p->name(), generation));
    REQUIRE(views.drop(p->name(), fresh->generation).has_value());
  }
  return counts;
}

}  // namespace mailbox::testing
