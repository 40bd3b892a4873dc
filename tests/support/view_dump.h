#pragma once
// Every row of a view generation, for comparing views.

#include <string>
#include <utility>
#include <vector>

#include "core/projections/view_store.h"

namespace mailbox::testing {

using Rows = std::vector<std::pair<std::string, std::string>>;

inline Rows dump(const projections::ViewStore& views, std::string_view view, std::uint64_t generation) {
  Rows rows;
  auto s = views.dump(view, generation, [&](std::string_view k, std::string_view v) {
    rows.emplace_back(std::string(k), std::string(v));
    return true;
  });
  if (!s) throw std::runtime_error(s.error().message);
  return rows;
}

}  // namespace mailbox::testing
