#include "clients/webhook_alarm_sink.h"

#include <random>

#include "app/json_writer.h"

namespace mailbox::clients {

using eventstore::Code;

// The alarms of one deliver_many call: the caller waits until all are answered.
struct WebhookAlarmSink::Batch {
  std::mutex mutex;
  std::condition_variable done;
  std::size_t left = 0;
};

WebhookAlarmSink::WebhookAlarmSink(Url url, WebhookOptions options)
    : url_(std::move(url)), options_(options), breaker_(options.breaker) {
  for (int i = 0; i < std::max(1, options_.window); ++i) threads_.emplace_back([this] { work(); });
}

WebhookAlarmSink::~WebhookAlarmSink() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

eventstore::Status WebhookAlarmSink::deliver(const commands::Alarm& alarm) { return deliver_many({alarm}).front(); }

std::vector<eventstore::Status> WebhookAlarmSink::deliver_many(const std::vector<commands::Alarm>& alarms) {
  std::vector<eventstore::Status> results(alarms.size());
  Batch batch;
  batch.left = alarms.size();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return std::vector<eventstore::Status>(alarms.size(), eventstore::fail(Code::unavailable, "stopping"));
    for (std::size_t i = 0; i < alarms.size(); ++i) jobs_.push_back({&alarms[i], &results[i], &batch});
  }
  wake_.notify_all();
  std::unique_lock lock(batch.mutex);
  batch.done.wait(lock, [&] { return batch.left == 0; });
  return results;
}

void WebhookAlarmSink::work() {
  HttpClient client(url_);
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return stopping_ || !jobs_.empty(); });
      if (stopping_ && jobs_.empty()) return;
      job = jobs_.front();
      jobs_.pop_front();
    }
    *job.result = stopping_ ? eventstore::Status(eventstore::fail(Code::unavailable, "stopping"))
                            : send(client, *job.alarm);
    std::lock_guard lock(job.batch->mutex);
    if (--job.batch->left == 0) job.batch->done.notify_all();
  }
}

eventstore::Status WebhookAlarmSink::send(HttpClient& client, const commands::Alarm& alarm) {
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
    if (!breaker_.allow()) return eventstore::fail(Code::unavailable, "alarm webhook circuit is open");
    calls_.fetch_add(1);
    auto r = client.post_json(body, {{"Idempotency-Key", alarm.alarm_id}}, options_.timeout);
    if (r && r->status >= 200 && r->status < 300) {
      breaker_.record_success();
      return {};
    }
    failures_.fetch_add(1);
    if (r && r->status >= 400 && r->status < 500 && r->status != 408 && r->status != 429) {
      breaker_.record_success();  // the webhook is up; it does not want this alarm
      last = "the webhook answered " + std::to_string(r->status) + " " + r->body.substr(0, 200);
      if (++rejected >= options_.max_attempts)
        return eventstore::fail(Code::invalid_argument, last + " (" + std::to_string(rejected) + " attempts)");
    } else {
      breaker_.record_failure();
      last = r ? "the webhook answered " + std::to_string(r->status) : r.error().message;
      if (++transient >= options_.transient_tries) return eventstore::fail(Code::unavailable, last);
    }
    retries_.fetch_add(1);
    pause(rejected + transient);
  }
}

}  // namespace mailbox::clients
