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
//                               policy tries the event again later).

#include <atomic>
#include <chrono>
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
  int transient_tries = 2;                         // calls per alarm before reporting unavailable
  std::chrono::milliseconds first_backoff{50};     // doubles after each failed call
  BreakerOptions breaker;
};

class WebhookAlarmSink final : public commands::AlarmSink {
 public:
  WebhookAlarmSink(Url url, WebhookOptions options = {});

  std::string_view channel() const override { return "webhook"; }
  commands::Delivery deliver(const commands::Alarm& alarm) override;
  // Posts every alarm to the window at once and waits for all their outcomes.
  std::vector<commands::Delivery> deliver_many(const std::vector<commands::Alarm>& alarms) override;

  const CircuitBreaker& breaker() const { return breaker_; }
  std::uint64_t calls() const { return calls_.load(); }
  std::uint64_t failures() const { return failures_.load(); }
  std::uint64_t retries() const { return retries_.load(); }

 private:
  // One alarm's calls, on a window thread.
  commands::Delivery send(HttpClient& client, const commands::Alarm& alarm);

  const WebhookOptions options_;
  CircuitBreaker breaker_;
  std::atomic<std::uint64_t> calls_{0}, failures_{0}, retries_{0};
  ClientPool pool_;  // the window: one thread per alarm in flight; last, so it stops first
};

}  // namespace mailbox::clients
