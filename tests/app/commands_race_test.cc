// Commands racing with themselves, and what each promises then: one Read, one redrive
// request, one message per idempotency key; and a payment never silently lost.
#include <doctest/doctest.h>

#include <atomic>
#include <future>
#include <set>
#include <thread>

#include "app/commands/payment_gate.h"
#include "app/engine.h"
#include "tests/support/engine_parts.h"
#include "tests/support/engine_fixture.h"
#include "tests/support/eventually.h"
#include "tests/support/events.h"
#include "tests/support/faulty_file_system.h"

using namespace mailbox;
using namespace std::chrono_literals;
using app::Code;

namespace {

// Runs fn on n threads at once (released together) and returns their results.
template <class R, class F>
std::vector<R> at_once(int n, F fn) {
  std::vector<R> results(static_cast<std::size_t>(n));
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      ++ready;
      while (!go) std::this_thread::yield();
      results[static_cast<std::size_t>(i)] = fn();
    });
  while (ready < n) std::this_thread::yield();
  go = true;
  for (auto& t : threads) t.join();
  return results;
}

std::size_t count_type(app::Engine& engine, const std::string& stream, const std::string& type) {
  std::size_t n = 0;
  const auto events = testing::log_of(engine).read_stream(stream, 1, 100000).value();  // kept: not a temporary's member
  for (const auto& e : events) n += e.type == type;
  return n;
}

// The dead letters of a message, once the view has them.
std::vector<queries::DeadLetterRow> dead_letters(app::Engine& engine) {
  return engine.alarms().dead_letters(100, "").value().items;
}

}  // namespace

TEST_CASE("of concurrent redrives of one dead letter exactly one is stored, the others are told it is pending") {
  testing::EngineFixture f;
  f.sink.set_reject("poison");
  auto sent = f.send("01012345678", "01099998888", "poison pill");
  REQUIRE(f.engine->wait_visible("alarms", sent.position, 5s));
  const auto dead = dead_letters(*f.engine);
  REQUIRE(dead.size() == 2);
  testing::followers_of(*f.engine).stop("alarm-policy");  // nobody answers the request meanwhile

  using Outcome = app::Result<std::uint64_t>;
  auto results = at_once<Outcome>(8, [&] {
    std::promise<Outcome> promise;
    f.engine->redrive().redrive({dead[0].alarm.alarm_id, sent.sent.message_id},
                                [&](Outcome r) { promise.set_value(std::move(r)); });
    return promise.get_future().get();
  });
  int stored = 0, pending = 0;
  for (const auto& r : results) {
    if (r) ++stored;
    else if (r.error().code == Code::failed_precondition && r.error().reason == "redrive_pending") ++pending;
  }
  CHECK(stored == 1);
  CHECK(pending == 7);
  CHECK(count_type(*f.engine, app::message_stream(sent.sent.message_id), "AlarmRedriveRequested") == 1);
}

TEST_CASE("a dead letter past the first thousand events of its message's stream is found and redriven") {
  testing::EngineFixture f;
  testing::followers_of(*f.engine).stop("alarm-policy");
  auto sent = f.send("01012345678", "01099998888", "poison, later");
  REQUIRE(f.engine->wait_visible("readmails", sent.position, 5s));
  // 1,200 events of the message's stream before its alarms are handled.
  const std::string stream = app::message_stream(sent.sent.message_id);
  for (int batch = 0; batch < 12; ++batch) {
    std::vector<eventstore::NewEvent> filler;
    for (int i = 0; i < 100; ++i)
      filler.push_back(app::to_new_event(app::AlarmRedriveRequested{"other-" + std::to_string(batch * 100 + i),
                                                                    sent.sent.message_id, "01000000000",
                                                                    app::AlarmKind::sent, "x", app::now_us()}));
    REQUIRE(testing::log_of(*f.engine).append(stream, eventstore::ExpectedVersion::any(), std::move(filler)).has_value());
  }
  f.sink.set_reject("poison");
  testing::followers_of(*f.engine).stop("alarm-policy");
  REQUIRE(testing::followers_of(*f.engine).start("alarm-policy").has_value());
  REQUIRE(testing::eventually([&] { return dead_letters(*f.engine).size() == 2; }));
  // Every filler request is answered (dead-lettered or delivered) too; whatever: the
  // dead letter of the real alarm is past version 1,000 and is found.
  const auto dead = dead_letters(*f.engine);
  const std::string alarm_id = dead[0].alarm.message_id == sent.sent.message_id ? dead[0].alarm.alarm_id : "";
  REQUIRE_FALSE(alarm_id.empty());
  auto r = f.engine->redrive().redrive_and_wait({alarm_id, sent.sent.message_id});
  REQUIRE_MESSAGE(r.has_value(), r.error().message);
  CHECK(*r > 1200);
}

TEST_CASE("sends racing with one idempotency key store one message, and every one is answered with it") {
  testing::EngineFixture f;
  using Outcome = app::Result<commands::SendResult>;
  auto results = at_once<Outcome>(8, [&] {
    return f.engine->send().send_and_wait({"01012345678", "01099998888", "once", std::string("race-1")});
  });
  std::set<std::string> ids;
  int originals = 0;
  for (const auto& r : results) {
    REQUIRE_MESSAGE(r.has_value(), r.error().message);
    ids.insert(r->sent.message_id);
    originals += r->duplicate ? 0 : 1;
  }
  CHECK(ids.size() == 1);
  CHECK(originals == 1);
  CHECK(count_type(*f.engine, app::message_stream(*ids.begin()), "Sent") == 1);
}

namespace {

// A payment service that approves everything at once, with a reference.
class Approving final : public commands::PaymentGate {
 public:
  void authorize(commands::PaymentRequest request, std::function<void(commands::PaymentDecision)> done) override {
    keys.push_back(request.idempotency_key);
    done({commands::PaymentDecision::Outcome::approved, "ref-" + std::to_string(keys.size()), ""});
  }
  std::vector<std::string> keys;
};

}  // namespace

TEST_CASE("a payment approved for a send that cannot be stored is counted as orphaned, and a keyed retry pays with the same key") {
  testing::TempDir dir;
  auto [fs, env] = testing::FaultyFileSystem::make();
  Approving payment;
  testing::RecordingSink sink;
  app::EngineOptions options;
  options.data_dir = dir.str();
  options.store.env = env.get();
  options.payment_gate = &payment;
  options.alarm_sink = &sink;
  auto engine = std::move(app::Engine::open(options).value());
  REQUIRE(engine->start().has_value());
  REQUIRE(engine->send().send_and_wait({"01012345678", "01099998888", "paid", std::nullopt}).has_value());
  CHECK(engine->status().payments_orphaned == 0);

  fs->fail_wal_writes(true);
  auto failed = engine->send().send_and_wait({"01012345678", "01099998888", "paid, lost", std::string("k-9")});
  REQUIRE_FALSE(failed.has_value());
  CHECK(failed.error().code == Code::unavailable);
  CHECK(engine->status().payments_orphaned == 1);
  auto again = engine->send().send_and_wait({"01012345678", "01099998888", "paid, lost", std::string("k-9")});
  REQUIRE_FALSE(again.has_value());
  CHECK(engine->status().payments_orphaned == 2);
  REQUIRE(payment.keys.size() == 3);
  CHECK(payment.keys[1] == payment.keys[2]);  // the retry asked with the same key
  CHECK(engine->status().log_failure.has_value());
  CHECK(app::health_of(engine->status()).code == "storage_failed");
}
