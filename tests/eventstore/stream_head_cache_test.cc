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
