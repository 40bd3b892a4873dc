// rebuild: rebuilds the readmails and alarm views from a log of mixed mailbox events
// (Sent, Saved, Alarmed, Read; ~200-byte payloads), beside a raw RocksDB forward scan
// of the same log in the same run (the rebuild ceiling). Each rate comes with the
// process's CPU time per event of the log (every thread's, RocksDB's included), beside
// the raw scan's: what a change costs or saves, however busy the machine is.
//
//   rebuild [--events N] [--dir DIR] [--json FILE]
#include <rocksdb/db.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <future>
#include <string>
#include <thread>

#include "app/events.h"
#include "app/queries/alarms_projection.h"
#include "app/queries/readmails_projection.h"
#include "bench/args.h"
#include "bench/cpu_time.h"
#include "bench/mailbox_log.h"
#include "bench/report.h"
#include "core/eventstore/event_store.h"
#include "core/projections/rebuild.h"
#include "core/projections/view_store.h"

namespace es = mailbox::eventstore;
using Clock = std::chrono::steady_clock;
using mailbox::bench::process_cpu_us;
using mailbox::bench::Report;

namespace {

struct Options {
  std::uint64_t events = 1'000'000;
  std::string dir;
  std::string json;
};

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "rebuild: %s\n", what.c_str());
  std::exit(1);
}

// Raw RocksDB: iterate the log column family, touching every value.
double raw_scan(const std::string& path, std::uint64_t& count) {
  std::vector<std::string> names;
  if (!rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &names).ok()) die("cannot list " + path);
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  for (const auto& n : names) families.emplace_back(n, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  if (!rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), path, families, &handles, &raw).ok()) die("cannot open " + path);
  rocksdb::ColumnFamilyHandle* log = nullptr;
  for (std::size_t i = 0; i < names.size(); ++i)
    if (names[i] == "log") log = handles[i];
  const auto start = Clock::now();
  std::unique_ptr<rocksdb::Iterator> it(raw->NewIterator(rocksdb::ReadOptions(), log));
  std::uint64_t bytes = 0;
  count = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    bytes += static_cast<unsigned char>(it->value()[it->value().size() / 2]) + it->value().size();
    ++count;
  }
  const double rate = static_cast<double>(count) / seconds_since(start);
  if (bytes == 0) std::fprintf(stderr, "rebuild: empty scan\n");
  it.reset();
  for (auto* h : handles) raw->DestroyColumnFamilyHandle(h);
  delete raw;
  return rate;
}

Options parse(int argc, char** argv) {
  auto args = mailbox::bench::parse_args(
      argc, argv, "rebuild",
      "usage: rebuild [--events N] [--dir DIR] [--json FILE]\n"
      "  rebuilds both views from a log of N mixed events vs a raw RocksDB scan",
      {"events", "dir", "json"});
  Options o;
  if (args.count("events")) o.events = std::stoull(args["events"]);
  o.dir = args.count("dir") ? args["dir"] : mailbox::bench::scratch_dir();
  o.json = args["json"];
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const std::string log_path = (std::filesystem::path(o.dir) / "log").string();
  const std::string views_path = (std::filesystem::path(o.dir) / "views").string();
  std::filesystem::remove_all(log_path);
  std::filesystem::remove_all(views_path);
  {
    auto log = es::EventStore::open(log_path);
    if (!log) die(log.error().message);
    std::fprintf(stderr, "rebuild: writing a log of %llu events...\n", static_cast<unsigned long long>(o.events));
    if (auto s = mailbox::bench::write_mailbox_log(**log, o.events); !s) die(s.error().message);
  }
  Report report;
  std::uint64_t scanned = 0;
  std::fprintf(stderr, "rebuild: raw scan...\n");
  double cpu_before = process_cpu_us();
  const double raw = raw_scan(log_path, scanned);
  const double raw_cpu = (process_cpu_us() - cpu_before) / static_cast<double>(scanned);
  report.add({"rebuild", "rocksdb forward scan of the log", raw, "events/s", "", std::nullopt});
  report.add({"rebuild", "rocksdb forward scan of the log: CPU per event", raw_cpu, "us", "", std::nullopt});
  // CPU per event of the log since cpu_before, beside the raw scan's.
  auto add_cpu = [&](const std::string& what) {
    const double per_event = (process_cpu_us() - cpu_before) / static_cast<double>(scanned);
    report.add({"rebuild", what + ": CPU per event", per_event, "us",
                "rocksdb forward scan of the log: CPU per event", per_event / raw_cpu});
  };

  auto log = es::EventStore::open(log_path);
  if (!log) die(log.error().message);
  auto views = mailbox::projections::ViewStore::open(views_path);
  if (!views) die(views.error().message);
  mailbox::queries::ReadmailsProjection readmails;
  mailbox::queries::AlarmsProjection alarms;
  double total_seconds = 0;
  for (mailbox::projections::Projection* p :
       {static_cast<mailbox::projections::Projection*>(&readmails), static_cast<mailbox::projections::Projection*>(&alarms)}) {
    std::fprintf(stderr, "rebuild: %s view...\n", std::string(p->name()).c_str());
    const auto start = Clock::now();
    cpu_before = process_cpu_us();
    auto r = mailbox::projections::rebuild_offline(**log, **views, *p);
    if (!r) die(r.error().message);
    const double seconds = seconds_since(start);
    total_seconds += seconds;
    const double rate = static_cast<double>(r->position) / seconds;
    report.add({"rebuild", std::string(p->name()) + " view", rate, "events/s", "rocksdb forward scan of the log",
                rate / raw});
    add_cpu(std::string(p->name()) + " view");
  }
  const double one_after_other = static_cast<double>(scanned) / total_seconds;
  report.add({"rebuild", "both views, one after the other", one_after_other, "events/s",
              "rocksdb forward scan of the log", one_after_other / raw});

  // Both views at once, one thread each (as mailbox-replay rebuild --view all does).
  std::fprintf(stderr, "rebuild: both views in parallel...\n");
  const auto start = Clock::now();
  cpu_before = process_cpu_us();
  std::vector<std::thread> threads;
  for (mailbox::projections::Projection* p :
       {static_cast<mailbox::projections::Projection*>(&readmails), static_cast<mailbox::projections::Projection*>(&alarms)})
    threads.emplace_back([&, p] {
      if (auto r = mailbox::projections::rebuild_offline(**log, **views, *p); !r) die(r.error().message);
    });
  for (auto& t : threads) t.join();
  const double parallel = static_cast<double>(scanned) / seconds_since(start);
  report.add({"rebuild", "both views, in parallel", parallel, "events/s", "rocksdb forward scan of the log",
              parallel / raw});
  add_cpu("both views, in parallel");
  report.add({"rebuild", "log size", static_cast<double>(scanned), "events", "", std::nullopt});
  log->reset();
  views->reset();
  std::filesystem::remove_all(o.dir);
  report.print();
  if (!o.json.empty() && !report.write_json(o.json)) return 1;
  return 0;
}
