#pragma once
// Alarm delivery by HTTP webhook: POST {alarmId, phone, kind, messageId, textPreview}
// with an Idempotency-Key header equal to the alarm id, so that the receiver can drop
// repeats. Several alarms are in flight at once (a window of worker threads, each with
// its own kept-alive connection). A 4xx answer (but 408 and 429) is tried again a
// bounded number of times and then rejected for good (the policy dead-letters it);
// other failures are retried with exponential backoff and jitter, behind a circuit
// breaker, and then reported unavailable (the policy tries again later).

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
  eventstore::Status deliver(const commands::Alarm& alarm) override;
  std::vector<eventstore::Status> deliver_many(const std::vector<commands::Alarm>& alarms) override;
  int max_attempts() const override { return options_.max_attempts; }

  const CircuitBreaker& breaker() const { return breaker_; }
  std::uint64_t calls() const { return calls_.load(); }
  std::uint64_t failures() const { return failures_.load(); }
  std::uint64_t retries() const { return retries_.load(); }

 private:
  eventstore::Status send(HttpClient& client, const commands::Alarm& alarm);

  const WebhookOptions options_;
  CircuitBreaker breaker_;
  std::atomic<std::uint64_t> calls_{0}, failures_{0}, retries_{0};
  ClientPool pool_;  // the window: one thread per alarm in flight; last, so it stops first
};

}  // namespace mailbox::clients
