#include <doctest/doctest.h>

#include "core/eventstore/internal/stream_head_cache.h"

using mailbox::eventstore::StreamHeadCache;

TEST_CASE("the stream head cache evicts the least recently used stream past its capacity") {
  StreamHeadCache cache(2);
  cache.put("a", 1);
  cache.put("b", 2);
  CHECK(cache.get("a") == 1);  // a is now the most recent
  cache.put("c", 3);           // evicts b
  CHECK(cache.size() == 2);
  CHECK_FALSE(cache.get("b").has_value());
  CHECK(cache.get("a") == 1);
  CHECK(cache.get("c") == 3);
  cache.put("a", 5);
  CHECK(cache.get("a") == 5);
  cache.clear();
  CHECK(cache.size() == 0);
}

TEST_CASE("a full stream head cache keeps the latest streams right while it reuses the entries it evicts") {
  StreamHeadCache cache(100);
  // Names of several lengths: a reused entry gets a longer or a shorter name.
  auto name = [](int i) { return "stream-" + std::string(static_cast<std::size_t>(i % 7) * 5, 'x') + std::to_string(i); };
  for (int i = 0; i < 1000; ++i) {
    cache.put(name(i), static_cast<std::uint64_t>(i));
    if (i % 10 == 0) cache.put(name(i), static_cast<std::uint64_t>(i) + 1);  // an update moves nothing out
  }
  CHECK(cache.size() == 100);
  for (int i = 0; i < 900; ++i) CHECK_FALSE(cache.get(name(i)).has_value());
  for (int i = 900; i < 1000; ++i)
    CHECK(cache.get(name(i)) == static_cast<std::uint64_t>(i % 10 == 0 ? i + 1 : i));
  // Read in order 900..999, so 900 is the least recent now and goes first.
  cache.put("new", 7);
  CHECK_FALSE(cache.get(name(900)).has_value());
  CHECK(cache.get(name(901)) == 901u);
  CHECK(cache.get("new") == 7u);
}
