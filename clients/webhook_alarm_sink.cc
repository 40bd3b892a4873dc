#include "clients/webhook_alarm_sink.h"

#include <memory>
#include <optional>
#include <random>

#include "app/json_writer.h"

namespace mailbox::clients {

using commands::Delivery;

namespace {
constexpr const char* kCancelled = "alarm delivery cancelled: the server is shutting down";
}  // namespace

// Outlives deliver_many() when it returns on cancel(): jobs still running write here.
struct WebhookAlarmSink::Batch {
  std::vector<std::optional<Delivery>> outcomes;  // guarded by the sink's mutex_
  std::size_t left = 0;                           // alarms without an outcome yet; likewise
};

WebhookAlarmSink::WebhookAlarmSink(Url url, WebhookOptions options)
    : options_(options), breaker_(options.breaker), pool_(std::move(url), options.tls, options.window) {}

WebhookAlarmSink::~WebhookAlarmSink() { cancel(); }

void WebhookAlarmSink::cancel() {
  {
    std::lock_guard lock(mutex_);
    cancelled_ = true;
  }
  answered_.notify_all();
  cancelled_cv_.notify_all();
  pool_.cancel();  // queued jobs answer retry, here and now
}

Delivery WebhookAlarmSink::deliver(const commands::Alarm& alarm) { return deliver_many({alarm}).front(); }

std::vector<Delivery> WebhookAlarmSink::deliver_many(const std::vector<commands::Alarm>& alarms) {
  auto batch = std::make_shared<Batch>();
  batch->outcomes.resize(alarms.size());
  batch->left = alarms.size();
  // Each job holds its own copy of the alarm and a share of the batch: it may still run
  // after this returns. `this` is safe: the destructor joins the window first.
  for (std::size_t i = 0; i < alarms.size(); ++i)
    pool_.post([this, batch, i, alarm = alarms[i]](HttpClient* client) {
      Delivery outcome = client && !cancelled_ ? send(*client, alarm) : Delivery::retry(kCancelled);
      {
        std::lock_guard lock(mutex_);
        batch->outcomes[i] = std::move(outcome);
        --batch->left;
      }
      answered_.notify_all();
    });
  std::vector<Delivery> out;
  out.reserve(alarms.size());
  std::unique_lock lock(mutex_);
  answered_.wait(lock, [&] { return batch->left == 0 || cancelled_; });
  for (auto& outcome : batch->outcomes) out.push_back(outcome ? std::move(*outcome) : Delivery::retry(kCancelled));
  return out;
}

bool WebhookAlarmSink::pause(std::chrono::milliseconds d) {
  std::unique_lock lock(mutex_);
  return !cancelled_cv_.wait_for(lock, d, [&] { return cancelled_.load(); });
}

Delivery WebhookAlarmSink::send(HttpClient& client, const commands::Alarm& alarm) {
  app::JsonWriter w;
  w.begin_object().field("alarmId", alarm.alarm_id).field("phone", alarm.phone);
  w.field("kind", app::to_string(alarm.kind)).field("messageId", alarm.message_id);
  w.field("textPreview", alarm.text_preview).end_object();
  const std::string body = w.take();
  thread_local std::mt19937 rng{std::random_device{}()};
  auto back_off = [&](int failed_calls) {
    // Exponential backoff with jitter: between half and all of first * 2^(n-1).
    const auto base = options_.first_backoff * (1 << std::min(failed_calls - 1, 10));
    const auto jitter = std::chrono::milliseconds(rng() % static_cast<unsigned>(base.count() / 2 + 1));
    return pause(base / 2 + jitter);
  };
  int rejected = 0, transient = 0;
  std::string last;
  for (;;) {
    if (cancelled_) return Delivery::retry(kCancelled);
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
    if (!back_off(rejected + transient)) return Delivery::retry(kCancelled);
  }
}

}  // namespace mailbox::clients
