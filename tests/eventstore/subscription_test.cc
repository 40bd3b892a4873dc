#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <atomic>
#include <thread>

#include "core/eventstore/event_store.h"
#include "tests/support/events.h"
#include "tests/support/temp_dir.h"

using namespace mailbox::eventstore;
using mailbox::testing::events;
using mailbox::testing::TempDir;

TEST_CASE("a follower woken by commits sees every event once, in order, without gaps") {
  TempDir dir;
  auto store = std::move(EventStore::open(dir.str()).value());
  constexpr int kWriters = 4, kAppends = 150;
  constexpr std::uint64_t kTotal = kWriters * kAppends * 2;

  std::vector<std::uint64_t> seen;
  std::atomic<bool> order_ok{true};
  std::thread follower([&] {
    std::uint64_t next = 1;
    while (next <= kTotal) {
      if (!store->wait_for(next, std::chrono::seconds(10))) break;
      auto batch = store->read_log(next, 64).value();
      for (const auto& e : batch) {
        if (e.position != next) order_ok = false;
        seen.push_back(e.position);
        next = e.position + 1;
      }
    }
  });
  std::atomic<std::uint64_t> last_notified{0};
  std::atomic<bool> monotonic{true};
  auto sub = store->subscribe([&](std::uint64_t head) {
    if (head <= last_notified.load()) monotonic = false;
    last_notified = head;
  });

  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w)
    writers.emplace_back([&, w] {
      for (int i = 0; i < kAppends; ++i)
        CHECK(store->append("w" + std::to_string(w), ExpectedVersion::any(), events(2)).has_value());
    });
  for (auto& t : writers) t.join();
  follower.join();

  CHECK(order_ok);
  CHECK(monotonic);
  REQUIRE(seen.size() == kTotal);
  for (std::uint64_t i = 0; i < kTotal; ++i) CHECK(seen[i] == i + 1);
  CHECK(last_notified == kTotal);
}

TEST_CASE("a dropped subscription is no longer called") {
  TempDir dir;
  auto store = std::move(EventStore::open(dir.str()).value());
  int calls = 0;
  {
    auto sub = store->subscribe([&](std::uint64_t) { ++calls; });
    REQUIRE(store->append("s", ExpectedVersion::any(), events(1)).has_value());
  }
  REQUIRE(store->append("s", ExpectedVersion::any(), events(1)).has_value());
  CHECK(calls == 1);
}

TEST_CASE("a read-only instance follows what the writer commits") {
  TempDir dir;
  auto writer = std::move(EventStore::open(dir.str()).value());
  REQUIRE(writer->append("s", ExpectedVersion::any(), events(2)).has_value());
  StoreOptions ro;
  ro.read_only = true;
  auto reader = std::move(EventStore::open(dir.str(), ro).value());
  CHECK(reader->head() == 2);
  REQUIRE(writer->append("s", ExpectedVersion::any(), events(3)).has_value());
  REQUIRE(reader->refresh().has_value());
  CHECK(reader->head() == 5);
  auto log = reader->read_log(3, 10).value();
  REQUIRE(log.size() == 3);
  CHECK(log.back().version == 5);
}

TEST_CASE("a read-only instance's scratch folder goes with it, and one a killed process left is removed by the next") {
  TempDir dir, temp;
  struct TmpDir {  // TMPDIR points at `temp` for this test only
    std::optional<std::string> was;
    explicit TmpDir(const std::string& to) {
      if (const char* v = std::getenv("TMPDIR")) was = v;
      ::setenv("TMPDIR", to.c_str(), 1);
    }
    ~TmpDir() { was ? (void)::setenv("TMPDIR", was->c_str(), 1) : (void)::unsetenv("TMPDIR"); }
  } tmpdir(temp.str());
  auto writer = std::move(EventStore::open(dir.str()).value());
  // No process has a pid past the kernel's largest (4194304): a process gone.
  const std::string gone = "mailbox-secondary-4194305", gone_too = "mailbox-secondary-4194306";
  const auto orphan = temp.path() / (gone + "-AbC123");
  const auto orphan_unlocked = temp.path() / (gone_too + "-DeF456");
  const auto held = temp.path() / (gone + "-GhI789");  // its owner elsewhere holds its lock
  const auto alive = temp.path() / ("mailbox-secondary-" + std::to_string(::getpid()) + "-XyZ789");
  const auto other = temp.path() / "mailbox-secondary-notapid";
  const auto link = temp.path() / (gone + "-link");
  for (const auto& folder : {orphan, orphan_unlocked, held, alive, other}) std::filesystem::create_directories(folder / "inside");
  for (const auto& folder : {orphan_unlocked, held}) std::ofstream(folder / "owner.lock");
  std::filesystem::create_directory_symlink(other, link);
  const int lock = ::open((held / "owner.lock").c_str(), O_RDONLY);
  REQUIRE(::flock(lock, LOCK_EX) == 0);
  auto count = [&] {
    return std::distance(std::filesystem::directory_iterator(temp.path()), std::filesystem::directory_iterator());
  };
  {
    StoreOptions ro;
    ro.read_only = true;
    auto reader = std::move(EventStore::open(dir.str(), ro).value());
    CHECK_FALSE(std::filesystem::exists(orphan));
    CHECK_FALSE(std::filesystem::exists(orphan_unlocked));
    CHECK(std::filesystem::exists(held / "inside"));
    CHECK(std::filesystem::exists(alive / "inside"));
    CHECK(std::filesystem::exists(other / "inside"));
    CHECK(std::filesystem::is_symlink(link));
    CHECK(count() == 5);  // its own beside the four kept
  }
  CHECK(count() == 4);
  ::close(lock);
}
