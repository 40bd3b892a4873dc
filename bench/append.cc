// append: durable appends through the event store at 1, 64 and 1024 appends in flight,
// beside raw RocksDB synced WriteBatches of 200-byte values on the same disk in the same
// run: batches of 1000 (the durable-append ceiling of this machine), and, for each
// engine row, batches as large as the engine's own (its events per synced batch, from
// its writer stats): the ceiling for that many appends in flight. That one is like for
// like in batch size only: the engine also writes a stream-index key per event and an
// envelope around the payload. Each append opens a new stream, expecting no stream there
// (the store reads the stream's head to check); one more row at 1024 in flight takes
// the caller's word that the stream is new (ExpectedVersion::fresh(), as a send without
// an idempotency key does), which checks the streams in memory only. Rates count
// successful appends only; failed ones are the rows' errors.
//
//   append [--seconds S] [--dir DIR] [--json FILE]
#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <string>

#include "bench/args.h"
#include "bench/cpu_time.h"
#include "bench/report.h"
#include "core/eventstore/event_store.h"

namespace es = mailbox::eventstore;
using Clock = std::chrono::steady_clock;
using mailbox::bench::percentile;
using mailbox::bench::process_cpu_us;
using mailbox::bench::Report;
using mailbox::bench::Row;

namespace {

constexpr std::size_t kPayloadBytes = 200;

struct Options {
  double seconds = 3;
  std::string dir;
  std::string json;
};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string fresh_dir(const std::string& root, const std::string& name) {
  auto path = std::filesystem::path(root) / name;
  std::filesystem::remove_all(path);
  return path.string();
}

struct Ceiling {
  double events_per_second = 0;
  double cpu_us_per_event = 0;  // the process's CPU time over the events written
};

// Raw RocksDB: synced WriteBatches of `puts` puts of 200 bytes, for `seconds`.
Ceiling rocksdb_ceiling(const std::string& path, double seconds, std::uint64_t puts) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::Open(options, path, &raw).ok()) {
    std::fprintf(stderr, "append: cannot open %s\n", path.c_str());
    std::exit(1);
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::WriteOptions sync;
  sync.sync = true;
  const std::string value(kPayloadBytes, 'v');
  std::uint64_t key = 0, events = 0;
  const double cpu_before = process_cpu_us();
  const auto start = Clock::now();
  while (seconds_since(start) < seconds) {
    rocksdb::WriteBatch batch;
    for (std::uint64_t i = 0; i < puts; ++i) {
      char k[8];
      for (int b = 7; b >= 0; --b) k[7 - b] = static_cast<char>(key >> (8 * b));
      ++key;
      batch.Put(rocksdb::Slice(k, 8), value);
    }
    if (!db->Write(sync, &batch).ok()) std::exit(1);
    events += puts;
  }
  const double rate = static_cast<double>(events) / seconds_since(start);
  const double cpu = process_cpu_us() - cpu_before;
  db->Close();
  return {rate, events ? cpu / static_cast<double>(events) : 0};
}

std::string ceiling_name(std::uint64_t batch) {
  return "rocksdb sync WriteBatch " + std::to_string(batch) + " x 200 B";
}

struct EngineResult {
  std::uint64_t events = 0;  // appended (successes)
  double events_per_second = 0;
  double p50_us = 0, p99_us = 0;
  std::uint64_t errors = 0;
};

// A closed loop: `inflight` appends are always outstanding; each completion (on the
// writer thread) records its latency and submits the next one. A failed append is
// counted and not replaced.
class ClosedLoop {
 public:
  ClosedLoop(es::EventStore& store, std::size_t inflight, double seconds, es::ExpectedVersion expected)
      : store_(store),
        inflight_(inflight),
        expected_(expected),
        deadline_(Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds))) {
    event_.type = "Sent";
    event_.payload.assign(kPayloadBytes, 'p');
  }

  EngineResult run() {
    const auto start = Clock::now();
    outstanding_ = inflight_;
    for (std::size_t i = 0; i < inflight_; ++i) submit();
    {
      std::unique_lock lock(mutex_);
      finished_.wait(lock, [&] { return outstanding_ == 0; });
    }
    EngineResult r;
    r.events = latencies_.size();
    r.events_per_second = static_cast<double>(latencies_.size()) / seconds_since(start);  // successes only
    r.p50_us = percentile(latencies_, 50);
    r.p99_us = percentile(latencies_, 99);
    r.errors = errors_;
    return r;
  }

 private:
  void submit() {
    const auto sent = Clock::now();
    // Stream names as the mailbox makes them: "message-" and a time-ordered UUID.
    es::StreamAppend request{"message-" + es::to_string(es::new_time_ordered_id()), expected_, {event_}};
    store_.append_async(std::move(request), [this, sent](es::Result<es::AppendResult> r) {
      // Runs on the writer thread: one thread touches latencies_ from here on.
      const auto now = Clock::now();
      if (r) latencies_.push_back(std::chrono::duration<double, std::micro>(now - sent).count());
      else ++errors_;
      if (now < deadline_ && r) {
        submit();
        return;
      }
      std::lock_guard lock(mutex_);
      if (--outstanding_ == 0) finished_.notify_one();
    });
  }

  es::EventStore& store_;
  const std::size_t inflight_;
  const es::ExpectedVersion expected_;
  const Clock::time_point deadline_;
  es::NewEvent event_;
  std::vector<double> latencies_;  // of successful appends
  std::uint64_t errors_ = 0;
  std::mutex mutex_;
  std::condition_variable finished_;
  std::size_t outstanding_ = 0;
};

Options parse(int argc, char** argv) {
  auto args = mailbox::bench::parse_args(
      argc, argv, "append",
      "usage: append [--seconds S] [--dir DIR] [--json FILE]\n"
      "  durable event-store appends at 1, 64, 1024 in flight vs raw RocksDB synced batches",
      {"seconds", "dir", "json"});
  Options o;
  if (args.count("seconds")) o.seconds = std::stod(args["seconds"]);
  o.dir = args.count("dir") ? args["dir"] : mailbox::bench::scratch_dir();
  o.json = args["json"];
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  std::filesystem::create_directories(o.dir);
  Report report;

  std::fprintf(stderr, "append: raw RocksDB ceiling (%.0f s)...\n", o.seconds);
  const Ceiling raw = rocksdb_ceiling(fresh_dir(o.dir, "ceiling"), o.seconds, 1000);
  const double ceiling = raw.events_per_second;
  report.add({"append", ceiling_name(1000), ceiling, "events/s", "", std::nullopt});
  report.add({"append", ceiling_name(1000) + ": CPU per event", raw.cpu_us_per_event, "us", "", std::nullopt});

  struct Case {
    std::size_t inflight;
    bool fresh;  // ExpectedVersion::fresh() instead of no_stream()
  };
  std::optional<Row> like_1024;  // the ceiling measured beside 1024 in flight
  for (const Case c : {Case{1, false}, Case{64, false}, Case{1024, false}, Case{1024, true}}) {
    const std::size_t inflight = c.inflight;
    const std::string suffix = c.fresh ? ", streams new by the caller's word" : "";
    std::fprintf(stderr, "append: engine, %zu in flight%s (%.0f s)...\n", inflight, suffix.c_str(), o.seconds);
    const std::string folder = "engine-" + std::to_string(inflight) + (c.fresh ? "-fresh" : "");
    auto store = es::EventStore::open(fresh_dir(o.dir, folder));
    if (!store) {
      std::fprintf(stderr, "append: %s\n", store.error().message.c_str());
      return 1;
    }
    const auto expected = c.fresh ? es::ExpectedVersion::fresh() : es::ExpectedVersion::no_stream();
    ClosedLoop loop(**store, inflight, o.seconds, expected);
    const double cpu_before = process_cpu_us();
    const EngineResult r = loop.run();
    const double cpu = process_cpu_us() - cpu_before;
    if (r.errors) std::fprintf(stderr, "append: %llu appends failed\n", static_cast<unsigned long long>(r.errors));
    const std::string name = "engine appends, " + std::to_string(inflight) + " in flight" + suffix;
    const auto stats = (*store)->writer_stats();
    const double per_batch =
        stats.batches ? static_cast<double>(stats.events) / static_cast<double>(stats.batches) : 0;
    const auto ratio = [&](double reference) -> std::optional<double> {
      if (r.errors || reference <= 0) return std::nullopt;
      return r.events_per_second / reference;
    };
    report.add({"append", name, r.events_per_second, "events/s", ceiling_name(1000), ratio(ceiling), r.errors});
    // The like-for-like ceiling: raw batches as large as the engine's, measured now
    // (none when the engine wrote no batch). The second row at 1024 in flight batches
    // as the first: it shares that one's ceiling.
    std::optional<Row> like;
    if (c.fresh && like_1024) {
      report.add(
          {"append", name, r.events_per_second, "events/s", like_1024->metric, ratio(like_1024->value), r.errors});
    } else if (stats.batches) {
      const auto batch = static_cast<std::uint64_t>(std::max(1L, std::lround(per_batch)));
      std::fprintf(stderr, "append: raw RocksDB at the engine's %llu events per batch (%.0f s)...\n",
                   static_cast<unsigned long long>(batch), o.seconds);
      like = Row{"append", ceiling_name(batch),
                 rocksdb_ceiling(fresh_dir(o.dir, "ceiling-" + std::to_string(inflight)), o.seconds, batch)
                     .events_per_second,
                 "events/s", "", std::nullopt};
      report.add({"append", name, r.events_per_second, "events/s", like->metric, ratio(like->value), r.errors});
    }
    report.add({"append", name + " p50", r.p50_us, "us", "", std::nullopt, r.errors});
    report.add({"append", name + " p99", r.p99_us, "us", "", std::nullopt, r.errors});
    report.add({"append", name + " events per batch", per_batch, "events", "", std::nullopt});
    // CPU per event beside the raw ceiling's (reference): what the engine adds per event.
    if (r.events > 0 && raw.cpu_us_per_event > 0) {
      const double per_event = cpu / static_cast<double>(r.events);
      report.add({"append", name + ": CPU per event", per_event, "us", ceiling_name(1000) + ": CPU per event",
                  per_event / raw.cpu_us_per_event, r.errors});
    }
    report.add({"append", name + " synced write per batch",
                stats.batches ? static_cast<double>(stats.write_micros) / static_cast<double>(stats.batches) : 0, "us",
                "", std::nullopt});
    if (like) report.add(*like);
    if (inflight == 1024 && !c.fresh) like_1024 = like;
  }
  std::filesystem::remove_all(o.dir);

  report.print();
  if (!o.json.empty() && !report.write_json(o.json)) return 1;
  return 0;
}
