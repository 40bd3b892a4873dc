// latency: against a running mailboxd, with sends paced at a given rate (about half of
// the measured maximum), measures GET /readmails page latency and send-to-visible
// latency (from the 201 of a POST until GET /readmails/{id}?min_position= answers with
// the message).
//   latency --port P --send-rate R [--seconds S] [--json FILE]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "bench/args.h"
#include "bench/report.h"
#include "tests/support/http_client.h"

using Clock = std::chrono::steady_clock;
using mailbox::bench::percentile;
using mailbox::bench::Report;
using mailbox::testing::HttpConnection;

namespace {

std::string field(const std::string& body, const std::string& name) {
  const auto at = body.find("\"" + name + "\":");
  if (at == std::string::npos) return {};
  auto start = at + name.size() + 3;
  if (body[start] == '"') ++start;
  const auto end = body.find_first_of("\",}", start);
  return body.substr(start, end - start);
}

std::string send_body(std::uint64_t n) {
  return R"({"user":"01012345678","receiver":"0109)" + std::to_string(1000000 + n % 1000) +
         R"(","text":"latency benchmark message )" + std::to_string(n) + R"("})";
}

double micros(Clock::duration d) { return std::chrono::duration<double, std::micro>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  auto args = mailbox::bench::parse_args(
      argc, argv, "latency", "usage: latency --port P --send-rate R [--seconds S] [--json FILE]",
      {"port", "send-rate", "seconds", "json"});
  if (!args.count("port") || !args.count("send-rate")) {
    std::fprintf(stderr, "latency: --port and --send-rate are required\n");
    return 2;
  }
  const int port = std::stoi(args["port"]);
  const double rate = std::stod(args["send-rate"]);
  const double seconds = args.count("seconds") ? std::stod(args["seconds"]) : 5;
  const std::string json = args["json"];
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  std::atomic<std::uint64_t> sent{0}, failed{0};

  // Background sends: 16 connections, each paced to rate / 16.
  constexpr int kSenders = 16;
  std::vector<std::thread> senders;
  for (int t = 0; t < kSenders; ++t)
    senders.emplace_back([&, t] {
      HttpConnection c(static_cast<std::uint16_t>(port));
      const auto gap = std::chrono::duration<double>(kSenders / rate);
      auto next = Clock::now();
      for (std::uint64_t n = t; Clock::now() < end; n += kSenders) {
        if (c.call("POST", "/mobiles", send_body(n)).status == 201) ++sent;
        else ++failed;
        next += std::chrono::duration_cast<Clock::duration>(gap);
        std::this_thread::sleep_until(next);
      }
    });

  // Readers: one connection reading a mailbox page after page.
  std::vector<double> reads;
  std::thread reader([&] {
    HttpConnection c(static_cast<std::uint16_t>(port));
    while (Clock::now() < end) {
      const auto started = Clock::now();
      if (c.call("GET", "/readmails?receiver=01091000001&limit=20").status == 200) reads.push_back(micros(Clock::now() - started));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  // Send-to-visible: a POST, then the message by id, waiting for the view.
  std::vector<double> visible;
  std::thread prober([&] {
    HttpConnection c(static_cast<std::uint16_t>(port));
    for (std::uint64_t n = 1'000'000; Clock::now() < end; ++n) {
      auto created = c.call("POST", "/mobiles", send_body(n));
      const auto answered = Clock::now();
      if (created.status != 201) continue;
      auto got = c.call("GET", "/readmails/" + field(created.body, "id") + "?wait_ms=5000&min_position=" +
                                   field(created.body, "position"));
      if (got.status == 200 && got.header("x-stale").empty()) visible.push_back(micros(Clock::now() - answered));
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (auto& t : senders) t.join();
  reader.join();
  prober.join();

  Report report;
  report.add({"latency", "sends paced at", static_cast<double>(sent) / seconds, "req/s", "", std::nullopt});
  report.add({"latency", "GET /readmails page p50 under that load", percentile(reads, 50), "us", "", std::nullopt});
  report.add({"latency", "GET /readmails page p99 under that load", percentile(reads, 99), "us", "", std::nullopt});
  report.add({"latency", "send-to-visible p50", percentile(visible, 50), "us", "", std::nullopt});
  report.add({"latency", "send-to-visible p99", percentile(visible, 99), "us", "", std::nullopt});
  if (failed) std::fprintf(stderr, "latency: %llu sends failed\n", static_cast<unsigned long long>(failed.load()));
  report.print();
  if (!json.empty() && !report.write_json(json)) return 1;
  return 0;
}
