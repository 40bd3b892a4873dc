// latency: against a running mailboxd, with sends paced at a given rate (about half of
// the measured maximum), measures GET /readmails page latency and send-to-visible
// latency (from the 201 of a POST until GET /readmails/{id}?min_position= answers with
// the message). The percentiles are over successes only: failed requests and stale
// answers (X-Stale: the view had not reached the send within wait_ms) have rows of
// their own, and their count is the percentiles' errors.
//   latency --port P --send-rate R [--seconds S] [--json FILE]
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <optional>
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
using mailbox::testing::HttpReply;

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

// A keep-alive connection that connects again after a transport error. Used by one
// thread.
class Client {
 public:
  explicit Client(int port) : port_(static_cast<std::uint16_t>(port)) {}

  // The reply, or nothing when the request could not be sent or was not answered.
  std::optional<HttpReply> call(const std::string& method, const std::string& target, const std::string& body = {}) {
    try {
      if (!connection_) connection_.emplace(port_);
      return connection_->call(method, target, body);
    } catch (const std::exception&) {
      connection_.reset();
      return std::nullopt;
    }
  }

 private:
  const std::uint16_t port_;
  std::optional<HttpConnection> connection_;
};

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
  if (!(rate > 0) || !(seconds > 0)) {
    std::fprintf(stderr, "latency: --send-rate and --seconds must be above 0\n");
    return 2;
  }
  const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));

  // Background sends: 16 connections, each paced to rate / 16.
  constexpr int kSenders = 16;
  std::atomic<std::uint64_t> sent{0}, send_failures{0};
  std::vector<std::thread> senders;
  for (int t = 0; t < kSenders; ++t)
    senders.emplace_back([&, t] {
      Client c(port);
      const auto gap = std::chrono::duration<double>(kSenders / rate);
      auto next = Clock::now();
      for (std::uint64_t n = t; Clock::now() < end; n += kSenders) {
        const auto created = c.call("POST", "/mobiles", send_body(n));
        if (created && created->status == 201) ++sent;
        else ++send_failures;
        next += std::chrono::duration_cast<Clock::duration>(gap);
        std::this_thread::sleep_until(next);
      }
    });

  // Readers: one connection reading a mailbox page after page.
  std::vector<double> reads;
  std::uint64_t read_failures = 0;
  std::thread reader([&] {
    Client c(port);
    while (Clock::now() < end) {
      const auto started = Clock::now();
      const auto page = c.call("GET", "/readmails?receiver=01091000001&limit=20");
      if (page && page->status == 200) reads.push_back(micros(Clock::now() - started));
      else ++read_failures;
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });

  // Send-to-visible: a POST, then the message by id, waiting for the view. A probe ends
  // visible (in the percentiles), stale (the view did not reach it within wait_ms), or
  // failed (the POST or the GET was not answered, or not with 201 and 200).
  constexpr int kWaitMs = 5000;
  std::vector<double> visible;
  std::uint64_t stale = 0, probe_failures = 0;
  std::thread prober([&] {
    Client c(port);
    for (std::uint64_t n = 1'000'000; Clock::now() < end; ++n) {
      const auto created = c.call("POST", "/mobiles", send_body(n));
      const auto answered = Clock::now();
      if (created && created->status == 201) {
        const auto got = c.call("GET", "/readmails/" + field(created->body, "id") + "?wait_ms=" +
                                           std::to_string(kWaitMs) + "&min_position=" + field(created->body, "position"));
        if (got && !got->header("x-stale").empty()) ++stale;
        else if (got && got->status == 200) visible.push_back(micros(Clock::now() - answered));
        else ++probe_failures;
      } else {
        ++probe_failures;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  for (auto& t : senders) t.join();
  reader.join();
  prober.join();

  const std::uint64_t unseen = stale + probe_failures;
  const std::string wait = "wait_ms " + std::to_string(kWaitMs);
  Report report;
  report.add({"latency", "sends paced at", static_cast<double>(sent) / seconds, "successes/s", "", std::nullopt,
              send_failures.load()});
  report.add({"latency", "GET /readmails page p50 under that load", percentile(reads, 50), "us", "", std::nullopt,
              read_failures});
  report.add({"latency", "GET /readmails page p99 under that load", percentile(reads, 99), "us", "", std::nullopt,
              read_failures});
  report.add({"latency", "GET /readmails page failures", static_cast<double>(read_failures), "requests", "",
              std::nullopt});
  report.add({"latency", "send-to-visible p50", percentile(visible, 50), "us", "", std::nullopt, unseen});
  report.add({"latency", "send-to-visible p99", percentile(visible, 99), "us", "", std::nullopt, unseen});
  report.add({"latency", "send-to-visible probes visible in time", static_cast<double>(visible.size()), "probes", "",
              std::nullopt});
  report.add({"latency", "send-to-visible stale answers (" + wait + ")", static_cast<double>(stale), "probes", "",
              std::nullopt});
  report.add({"latency", "send-to-visible failed probes", static_cast<double>(probe_failures), "probes", "",
              std::nullopt});
  if (send_failures || read_failures || unseen)
    std::fprintf(stderr, "latency: %llu sends and %llu page reads failed; %llu probes stale, %llu failed\n",
                 static_cast<unsigned long long>(send_failures.load()), static_cast<unsigned long long>(read_failures),
                 static_cast<unsigned long long>(stale), static_cast<unsigned long long>(probe_failures));
  report.print();
  if (!json.empty() && !report.write_json(json)) return 1;
  return 0;
}
