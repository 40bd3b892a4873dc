#pragma once
// The benchmarks' common output: rows of (benchmark, metric, value, unit, errors,
// reference, ratio), printed as one markdown table and optionally written as a JSON
// array. A row whose errors count is above zero is a failed measurement: its value
// counts successes only, it is compared with nothing, and the table says "failed".

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace mailbox::bench {

struct Row {
  std::string benchmark;
  std::string metric;
  double value = 0;
  std::string unit;
  std::string reference;            // what value is compared with ("" when nothing)
  std::optional<double> ratio;      // value / reference value; none when errors > 0
  // Operations behind value that failed (or, for a percentile, were left out of it):
  // none when the benchmark does not count them.
  std::optional<std::uint64_t> errors;

  bool failed() const { return errors && *errors > 0; }
};

class Report {
 public:
  void add(Row row) { rows_.push_back(std::move(row)); }
  const std::vector<Row>& rows() const { return rows_; }
  // Rows that are failed measurements (see Row::failed).
  std::size_t failed() const;
  // Markdown table on stdout.
  void print() const;
  // JSON array of objects with the row's keys; returns false (and says why on stderr)
  // when the file cannot be written.
  bool write_json(const std::string& path) const;

 private:
  std::vector<Row> rows_;
};

// Percentile (0..100) of unsorted samples; 0 when empty. Sorts samples.
double percentile(std::vector<double>& samples, double p);

}  // namespace mailbox::bench
