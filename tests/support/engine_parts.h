#pragma once
// The engine's parts, for tests that drive or inspect them directly: the log, the views
// database and the followers. The Engine hands them to nothing else.

#include "app/engine.h"

namespace mailbox::app {

struct EngineParts {
  static eventstore::EventStore& log(Engine& e) { return *e.log_; }
  static projections::ViewStore& views(Engine& e) { return *e.views_; }
  static projections::Followers& followers(Engine& e) { return e.followers_; }
};

}  // namespace mailbox::app

namespace mailbox::testing {

inline eventstore::EventStore& log_of(app::Engine& e) { return app::EngineParts::log(e); }
inline projections::ViewStore& views_of(app::Engine& e) { return app::EngineParts::views(e); }
inline projections::Followers& followers_of(app::Engine& e) { return app::EngineParts::followers(e); }

}  // namespace mailbox::testing
