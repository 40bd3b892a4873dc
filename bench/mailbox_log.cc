#include "bench/mailbox_log.h"

#include <future>
#include <memory>
#include <vector>

#include "app/commands/alarm_policy.h"
#include "app/commands/mailbox_policy.h"
#include "app/events.h"

namespace mailbox::bench {

namespace es = eventstore;

namespace {

es::StreamAppend message(std::uint64_t n) {
  using namespace app;
  const std::string id = es::to_string(es::new_time_ordered_id());
  const std::string sender = "0101" + std::to_string(1000000 + n % 5000);
  const std::string receiver = "0109" + std::to_string(1000000 + n % 20000);
  std::string text = "message " + std::to_string(n) + " ";
  text.resize(120, 'x');
  const std::int64_t at = now_us();
  es::StreamAppend part{message_stream(id), es::ExpectedVersion::no_stream(), {}};
  part.events.push_back(to_new_event(Sent{id, sender, receiver, text, at, ""}));
  part.events.push_back(to_new_event(Saved{id, sender, receiver, text, at}));
  part.events.push_back(to_new_event(Alarmed{id + "-s", id, sender, AlarmKind::sent, "log", at}));
  part.events.push_back(to_new_event(Alarmed{id + "-a", id, receiver, AlarmKind::arrived, "log", at}));
  if (n % 3 == 0) part.events.push_back(to_new_event(Read{id, receiver, at}));
  return part;
}

}  // namespace

es::Status write_mailbox_log(es::EventStore& log, std::uint64_t events) {
  std::vector<std::future<es::Result<es::TransactionResult>>> inflight;
  auto drain = [&]() -> es::Status {
    for (auto& f : inflight)
      if (auto r = f.get(); !r) return std::unexpected(r.error());
    inflight.clear();
    return {};
  };
  std::uint64_t n = 0, written = 0;
  while (written < events) {
    es::Transaction txn;
    for (int i = 0; i < 200 && written < events; ++i) {
      txn.streams.push_back(message(n++));
      written += txn.streams.back().events.size();
    }
    auto promise = std::make_shared<std::promise<es::Result<es::TransactionResult>>>();
    inflight.push_back(promise->get_future());
    log.commit_async(std::move(txn), [promise](es::Result<es::TransactionResult> r) { promise->set_value(std::move(r)); });
    if (inflight.size() >= 16)
      if (auto s = drain(); !s) return s;
  }
  if (auto s = drain(); !s) return s;
  es::Transaction done;
  for (std::string_view policy : {commands::MailboxPolicy::kName, commands::AlarmPolicy::kName})
    done.checkpoints.push_back({std::string(policy), log.head()});
  if (auto r = log.commit(std::move(done)); !r) return std::unexpected(r.error());
  return {};
}

}  // namespace mailbox::bench
