#include "bench/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace mailbox::bench {

namespace {

std::string number(double v) {
  char buf[64];
  if (std::fabs(v) >= 100 || v == std::floor(v)) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.3g", v);
  return buf;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace

void Report::print() const {
  std::printf("| benchmark | metric | value | unit | errors | reference | ratio |\n");
  std::printf("|---|---|---:|---|---:|---|---:|\n");
  for (const auto& r : rows_) {
    char ratio[32] = "";
    if (r.failed()) std::snprintf(ratio, sizeof ratio, "failed");
    else if (r.ratio) std::snprintf(ratio, sizeof ratio, "%.2f", *r.ratio);
    const std::string errors = r.errors ? std::to_string(*r.errors) : "";
    std::printf("| %s | %s | %s | %s | %s | %s | %s |\n", r.benchmark.c_str(), r.metric.c_str(),
                number(r.value).c_str(), r.unit.c_str(), errors.c_str(), r.reference.c_str(), ratio);
  }
  std::fflush(stdout);
}

bool Report::write_json(const std::string& path) const {
  std::ofstream out(path);
  if (!out) {
    std::fprintf(stderr, "cannot write %s\n", path.c_str());
    return false;
  }
  out << "[\n";
  for (std::size_t i = 0; i < rows_.size(); ++i) {
    const auto& r = rows_[i];
    out << "  {\"benchmark\": " << json_string(r.benchmark) << ", \"metric\": " << json_string(r.metric)
        << ", \"value\": " << number(r.value) << ", \"unit\": " << json_string(r.unit)
        << ", \"errors\": " << (r.errors ? std::to_string(*r.errors) : std::string("null"))
        << ", \"reference\": " << json_string(r.reference)
        << ", \"ratio\": " << (r.ratio && !r.failed() ? std::to_string(*r.ratio) : std::string("null")) << "}"
        << (i + 1 < rows_.size() ? ",\n" : "\n");
  }
  out << "]\n";
  return static_cast<bool>(out);
}

std::size_t Report::failed() const {
  return static_cast<std::size_t>(std::count_if(rows_.begin(), rows_.end(), [](const Row& r) { return r.failed(); }));
}

double percentile(std::vector<double>& samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const double rank = p / 100.0 * static_cast<double>(samples.size() - 1);
  return samples[static_cast<std::size_t>(std::llround(rank))];
}

}  // namespace mailbox::bench
