#include "tools/replay/data_folder.h"

#include <filesystem>

namespace mailbox::replay {

namespace {

Failure explain(const eventstore::Error& e, const std::string& data) {
  using eventstore::Code;
  if (e.code == Code::not_found) return {2, "no mailbox data in '" + data + "': " + e.message};
  if (e.code == Code::invalid_argument) return {2, "'" + data + "' is not a mailbox data folder: " + e.message};
  if (e.code == Code::unavailable && e.message.find("in use") != std::string::npos)
    return {1, "'" + data + "' is in use by a running mailboxd; rebuild its views online instead: "
               "curl -X POST 'http://127.0.0.1:8080/admin/rebuild?view=all'"};
  return {1, e.message};
}

}  // namespace

std::variant<std::unique_ptr<eventstore::EventStore>, Failure> open_log(const std::string& data, bool read_only) {
  if (!std::filesystem::is_directory(data)) return Failure{2, "no such folder: '" + data + "'"};
  eventstore::StoreOptions options;
  options.create_if_missing = false;
  options.read_only = read_only;
  auto log = eventstore::EventStore::open((std::filesystem::path(data) / "log").string(), options);
  if (!log) return explain(log.error(), data);
  return std::move(*log);
}

std::variant<std::unique_ptr<projections::ViewStore>, Failure> open_views(const std::string& data, bool read_only) {
  projections::ViewStoreOptions options;
  options.read_only = read_only;
  options.create_if_missing = !read_only;
  auto views = projections::ViewStore::open((std::filesystem::path(data) / "views").string(), options);
  if (!views) return explain(views.error(), data);
  return std::move(*views);
}

}  // namespace mailbox::replay
