#include <doctest/doctest.h>

#include <map>
#include <random>
#include <string>

#include "core/eventstore/internal/stream_head_cache.h"

using mailbox::eventstore::StreamHeadCache;

TEST_CASE("the stream head cache evicts a stream not used since the clock hand passed, not one used again") {
  StreamHeadCache cache(2);
  cache.put("a", 1);
  cache.put("b", 2);
  CHECK(cache.get("a") == 1);  // a is used again
  cache.put("c", 3);           // evicts b
  CHECK(cache.size() == 2);
  CHECK_FALSE(cache.get("b").has_value());
  CHECK(cache.get("a") == 1);
  CHECK(cache.get("c") == 3);
  cache.put("a", 5);
  CHECK(cache.get("a") == 5);
  cache.clear();
  CHECK(cache.size() == 0);
  CHECK_FALSE(cache.get("a").has_value());
  cache.put("a", 6);
  CHECK(cache.get("a") == 6);
}

TEST_CASE("a full stream head cache keeps the latest streams right while it reuses the entries it evicts") {
  StreamHeadCache cache(100);
  // Names of several lengths: a reused entry gets a longer or a shorter name.
  auto name = [](int i) { return "stream-" + std::string(static_cast<std::size_t>(i % 7) * 5, 'x') + std::to_string(i); };
  for (int i = 0; i < 1000; ++i) cache.put(name(i), static_cast<std::uint64_t>(i));
  CHECK(cache.size() == 100);
  // Nothing was used again: the entries went in the order they came.
  for (int i = 0; i < 900; ++i) CHECK_FALSE(cache.get(name(i)).has_value());
  for (int i = 900; i < 1000; ++i) CHECK(cache.get(name(i)) == static_cast<std::uint64_t>(i));
  for (int i = 900; i < 1000; i += 10) cache.put(name(i), static_cast<std::uint64_t>(i) + 1);  // updates move nothing out
  CHECK(cache.size() == 100);
  // All 100 were used again: the hand goes round once, and exactly one makes room.
  cache.put("new", 7);
  CHECK(cache.get("new") == 7u);
  int kept = 0;
  for (int i = 900; i < 1000; ++i)
    if (auto v = cache.get(name(i))) {
      ++kept;
      CHECK(*v == static_cast<std::uint64_t>(i % 10 == 0 ? i + 1 : i));
    }
  CHECK(kept == 99);
}

TEST_CASE("the stream head cache never answers with a version other than the last one put, whatever it evicts") {
  // Random puts and gets over more streams than it holds, against a plain map of the
  // last version put: every answer is that version or none, and a put is read back.
  std::mt19937 random(20261127);
  for (std::size_t capacity : {1, 2, 3, 7, 64}) {
    StreamHeadCache cache(capacity);
    std::map<std::string, std::uint64_t> last;
    std::uniform_int_distribution<int> pick(0, static_cast<int>(capacity) * 4);
    for (int step = 0; step < 20'000; ++step) {
      const std::string stream = "s" + std::to_string(pick(random));
      if (random() % 3 == 0) {
        const std::uint64_t version = random();
        cache.put(stream, version);
        last[stream] = version;
        REQUIRE(cache.get(stream) == version);
      } else if (auto v = cache.get(stream)) {
        REQUIRE_MESSAGE(last.count(stream) == 1, "a version for a stream never put: ", stream);
        REQUIRE_MESSAGE(*v == last[stream], "a stale version for ", stream);
      }
      REQUIRE(cache.size() <= capacity);
      if (step % 5000 == 4999) {
        cache.clear();
        last.clear();
      }
    }
  }
}
