#pragma once
// Alarm delivery by HTTP webhook: POST {alarmId, phone, kind, messageId, textPreview}
// with an Idempotency-Key header equal to the alarm id, so that the receiver can drop
// repeats. Several alarms are in flight at once (a window of worker threads, each with
// its own kept-alive connection). Outcomes (see commands::Delivery):
//   2xx                      -> delivered;
//   4xx but 408 and 429      -> tried again up to max_attempts calls, then reject (the
//                               policy dead-letters it, with the last answer as reason);
//   anything else, a refused connection, no answer within the timeout, or the circuit
//                               breaker open -> tried again with exponential backoff and
//                               jitter up to transient_tries calls, then retry (the
//                               policy tries the event again later);
//   after cancel()           -> retry, at once.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <vector>

#include "app/commands/alarm_sink.h"
#include "clients/circuit_breaker.h"
#include "clients/client_pool.h"
#include "clients/http_client.h"

namespace mailbox::clients {

struct WebhookOptions {
  int window = 16;                                 // alarms in flight at once
  std::chrono::milliseconds timeout{2000};         // per call
  int max_attempts = 3;                            // for an alarm the webhook rejects (4xx)
  int transient_tries = 2;                         // calls per alarm before answering retry
  std::chrono::milliseconds first_backoff{50};     // doubles after each failed call
  BreakerOptions breaker;
  TlsOptions tls;  // for an https:// URL
};

class WebhookAlarmSink final : public commands::AlarmSink {
 public:
  WebhookAlarmSink(Url url, WebhookOptions options = {});
  // Cancels; then waits for the calls in progress (each within options.timeout).
  ~WebhookAlarmSink() override;

  std::string_view channel() const override { return "webhook"; }
  commands::Delivery deliver(const commands::Alarm& alarm) override;
  // Posts every alarm to the window at once and waits for all their outcomes, or for
  // cancel(): then the alarms not yet answered say retry, and calls still in progress
  // finish in the background (their outcome is dropped; the alarm comes again later).
  std::vector<commands::Delivery> deliver_many(const std::vector<commands::Alarm>& alarms) override;
  // From any thread; not undone. Wakes deliver_many() and every backoff pause; alarms
  // queued for the window, and every later one, answer retry without a call. An HTTP
  // call already in progress is not interrupted: it ends within options.timeout.
  void cancel() override;

  const CircuitBreaker& breaker() const { return breaker_; }
  std::uint64_t calls() const { return calls_.load(); }
  std::uint64_t failures() const { return failures_.load(); }
  std::uint64_t retries() const { return retries_.load(); }

 private:
  struct Batch;  // one deliver_many's outcomes, shared with its jobs
  // One alarm's calls, on a window thread.
  commands::Delivery send(HttpClient& client, const commands::Alarm& alarm);
  // Waits up to d on a window thread; false when cancelled meanwhile.
  bool pause(std::chrono::milliseconds d);

  const WebhookOptions options_;
  CircuitBreaker breaker_;
  std::atomic<std::uint64_t> calls_{0}, failures_{0}, retries_{0};
  // Shared by the policy's thread, the window threads and cancel(): mutex_ guards every
  // Batch's outcomes and the writes of cancelled_ (read without it too).
  std::mutex mutex_;
  std::condition_variable answered_;      // an alarm of some batch has its outcome, or cancelled
  std::condition_variable cancelled_cv_;  // cancelled: backoff pauses end
  std::atomic<bool> cancelled_{false};
  ClientPool pool_;  // the window: one thread per alarm in flight; last, so it stops first
};

}  // namespace mailbox::clients
