#include "clients/webhook_alarm_sink.h"

#include <condition_variable>
#include <mutex>
#include <random>

#include "app/json_writer.h"

namespace mailbox::clients {

using commands::Delivery;

WebhookAlarmSink::WebhookAlarmSink(Url url, WebhookOptions options)
    : options_(options), breaker_(options.breaker), pool_(std::move(url), options.window) {}

Delivery WebhookAlarmSink::deliver(const commands::Alarm& alarm) { return deliver_many({alarm}).front(); }

std::vector<Delivery> WebhookAlarmSink::deliver_many(const std::vector<commands::Alarm>& alarms) {
  std::vector<Delivery> results(alarms.size());
  // The caller waits until every alarm of the batch is answered.
  std::mutex mutex;
  std::condition_variable done;
  std::size_t left = alarms.size();
  for (std::size_t i = 0; i < alarms.size(); ++i)
    pool_.post([&, i](HttpClient* client) {
      results[i] = client ? send(*client, alarms[i]) : Delivery::retry("the server is shutting down");
      std::lock_guard lock(mutex);
      if (--left == 0) done.notify_all();
    });
  std::unique_lock lock(mutex);
  done.wait(lock, [&] { return left == 0; });
  return results;
}

Delivery WebhookAlarmSink::send(HttpClient& client, const commands::Alarm& alarm) {
  app::JsonWriter w;
  w.begin_object().field("alarmId", alarm.alarm_id).field("phone", alarm.phone);
  w.field("kind", app::to_string(alarm.kind)).field("messageId", alarm.message_id);
  w.field("textPreview", alarm.text_preview).end_object();
  const std::string body = w.take();
  thread_local std::mt19937 rng{std::random_device{}()};
  auto pause = [&](int failed_calls) {
    // Exponential backoff with jitter: between half and all of first * 2^(n-1).
    const auto base = options_.first_backoff * (1 << std::min(failed_calls - 1, 10));
    const auto jitter = std::chrono::milliseconds(rng() % static_cast<unsigned>(base.count() / 2 + 1));
    std::this_thread::sleep_for(base / 2 + jitter);
  };
  int rejected = 0, transient = 0;
  std::string last;
  for (;;) {
    if (!breaker_.allow()) return Delivery::retry("alarm webhook circuit is open");
    calls_.fetch_add(1);
    auto r = client.post_json(body, {{"Idempotency-Key", alarm.alarm_id}}, options_.timeout);
    if (r && r->status >= 200 && r->status < 300) {
      breaker_.record_success();
      return Delivery::delivered();
    }
    failures_.fetch_add(1);
    if (r && r->status >= 400 && r->status < 500 && r->status != 408 && r->status != 429) {
      breaker_.record_success();  // the webhook is up; it does not want this alarm
      last = "the webhook answered " + std::to_string(r->status) + " " + r->body.substr(0, 200);
      if (++rejected >= options_.max_attempts) return Delivery::reject(last, rejected + transient);
    } else {
      breaker_.record_failure();
      last = r ? "the webhook answered " + std::to_string(r->status) : r.error().message;
      if (++transient >= options_.transient_tries) return Delivery::retry(last);
    }
    retries_.fetch_add(1);
    pause(rejected + transient);
  }
}

}  // namespace mailbox::clients
