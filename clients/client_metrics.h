#pragma once
// The /metrics lines of the clients of other services, in Prometheus' text format: per
// client (label client="payment" or "alarm-webhook") its calls, failures, breaker
// state, times the breaker opened and, for clients that retry, retries.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "clients/circuit_breaker.h"
#include "clients/http_payment_gate.h"
#include "clients/webhook_alarm_sink.h"

namespace mailbox::clients {

// One client's counters as read at one moment.
struct ClientStats {
  std::string_view name;  // the client label
  const CircuitBreaker* breaker = nullptr;
  std::uint64_t calls = 0, failures = 0;
  std::optional<std::uint64_t> retries;  // only for a client that calls again by itself
};

ClientStats stats_of(const HttpPaymentGate& gate);       // client="payment"
ClientStats stats_of(const WebhookAlarmSink& webhook);  // client="alarm-webhook"

// Appends every metric family once, with its # HELP and # TYPE lines, then one line per
// client (a family with no line, as retries without a retrying client, is left out).
// Thread-safe as far as the clients' counters are. REQUIRES: each breaker is non-null.
void append_client_metrics(std::string& out, std::span<const ClientStats> clients);

}  // namespace mailbox::clients
