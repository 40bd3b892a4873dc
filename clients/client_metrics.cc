#include "clients/client_metrics.h"

namespace mailbox::clients {

ClientStats stats_of(const HttpPaymentGate& gate) {
  return {"payment", &gate.breaker(), gate.calls(), gate.failures(), std::nullopt};
}

ClientStats stats_of(const WebhookAlarmSink& webhook) {
  return {"alarm-webhook", &webhook.breaker(), webhook.calls(), webhook.failures(), webhook.retries()};
}

void append_client_metrics(std::string& out, std::span<const ClientStats> clients) {
  // One family: its header, then a line per client that has a value.
  auto family = [&](std::string_view name, std::string_view type, std::string_view help,
                    auto value) {
    bool headed = false;
    for (const auto& c : clients) {
      const auto v = value(c);
      if (!v) continue;
      if (!headed) {
        out.append("# HELP ").append(name).append(" ").append(help).append("\n");
        out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
        headed = true;
      }
      out.append(name).append("{client=\"").append(c.name).append("\"} ").append(std::to_string(*v)).append("\n");
    }
  };
  family("mailbox_client_calls_total", "counter", "Calls made to another service, by client.",
         [](const ClientStats& c) { return std::optional(c.calls); });
  family("mailbox_client_failures_total", "counter",
         "Calls to another service that did not succeed (error answer, timeout, refused connection), by client.",
         [](const ClientStats& c) { return std::optional(c.failures); });
  family("mailbox_client_breaker_open", "gauge", "1 while the client's circuit breaker is open or half-open, else 0.",
         [](const ClientStats& c) {
           return std::optional<std::uint64_t>(c.breaker->state() == CircuitBreaker::State::closed ? 0 : 1);
         });
  family("mailbox_client_breaker_opened_total", "counter", "Times the client's circuit breaker opened.",
         [](const ClientStats& c) { return std::optional(c.breaker->times_opened()); });
  family("mailbox_client_retries_total", "counter", "Calls made again after a failed one, by client.",
         [](const ClientStats& c) { return c.retries; });
}

}  // namespace mailbox::clients
