// table: merges the JSON rows of several benchmarks into one markdown table on stdout
// and, with --json, one JSON array. Exits 3, after writing both, when a row is a failed
// measurement (its errors count is above zero), so that a run with errors is not taken
// for a result.
//   table [--json OUT] FILE...
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench/report.h"

int main(int argc, char** argv) {
  std::string json_out;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--json" && i + 1 < argc) json_out = argv[++i];
    else if (a == "--help" || a == "-h") {
      std::printf("usage: table [--json OUT] FILE...\n");
      return 0;
    } else inputs.push_back(a);
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "table: no input files (see --help)\n");
    return 2;
  }
  mailbox::bench::Report report;
  simdjson::dom::parser parser;
  for (const auto& path : inputs) {
    simdjson::dom::array rows;
    if (parser.load(path).get_array().get(rows) != simdjson::SUCCESS) {
      std::fprintf(stderr, "table: %s is not a JSON array of rows\n", path.c_str());
      return 1;
    }
    for (auto row : rows) {
      mailbox::bench::Row r;
      std::string_view s;
      if (row["benchmark"].get(s) == simdjson::SUCCESS) r.benchmark = s;
      if (row["metric"].get(s) == simdjson::SUCCESS) r.metric = s;
      if (row["unit"].get(s) == simdjson::SUCCESS) r.unit = s;
      if (row["reference"].get(s) == simdjson::SUCCESS) r.reference = s;
      double v;
      if (row["value"].get(v) == simdjson::SUCCESS) r.value = v;
      if (row["ratio"].get(v) == simdjson::SUCCESS) r.ratio = v;
      std::uint64_t n;
      if (row["errors"].get(n) == simdjson::SUCCESS) r.errors = n;
      report.add(std::move(r));
    }
  }
  report.print();
  if (!json_out.empty() && !report.write_json(json_out)) return 1;
  if (const auto failed = report.failed()) {
    std::fprintf(stderr, "table: %zu rows are failed measurements (see their errors column)\n", failed);
    return 3;
  }
  return 0;
}
