// Formatting follows what Locust 2.12.1 (python3-locust on Debian 12) writes, see the real files in
// tests/replayer/fixtures/locust-2.12/:
//  - Python's csv.writer defaults: fields quoted only when they hold ',', '"', '\r' or '\n', a '"'
//    inside doubled; every line ends with "\r\n", the header included.
//  - Floats as Python's repr() ("6.0", "2.5911947031183047"); percentiles and the median as integer
//    milliseconds; "N/A" for the percentiles of a row without requests, whose median, minimum,
//    maximum and content size are the integer 0 and average the float 0.0.
//  - The history's Requests/s and Failures/s with six decimals ("8.666667").
#include "replayer/locust_csv.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <tuple>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/files.hpp"

namespace aria::replayer {

const char* const kLocustStatsHeader =
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
    "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%";
const char* const kLocustHistoryHeader =
    "Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,"
    "Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,"
    "Total Min Response Time,Total Max Response Time,Total Average Content Size";
const char* const kLocustFailuresHeader = "Method,Name,Error,Occurrences";

namespace {

constexpr double kPercentiles[] = {0.50, 0.66, 0.75, 0.80, 0.90, 0.95, 0.98, 0.99, 0.999, 0.9999, 1.0};

// Python's repr() of a float: the shortest text that reads back the same, always with a '.' or an
// exponent ("6.0", "1e-05", "1e+16").
std::string py_float(double v) {
  auto s = fmt::format("{}", v);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";  // 'n': nan, inf
  return s;
}

std::string ms_float(std::int64_t us) { return py_float(static_cast<double>(us) / 1000.0); }
std::string ms_int(std::int64_t us) { return fmt::format("{}", std::llround(static_cast<double>(us) / 1000.0)); }

class CsvText {
 public:
  CsvText& field(std::string_view f) {
    if (!at_line_start_) text_ += ',';
    at_line_start_ = false;
    if (f.find_first_of(",\"\r\n") == std::string_view::npos) {
      text_ += f;
    } else {
      text_ += '"';
      for (char c : f) {
        if (c == '"') text_ += '"';
        text_ += c;
      }
      text_ += '"';
    }
    return *this;
  }
  CsvText& field(std::uint64_t v) { return field(fmt::format("{}", v)); }
  CsvText& field(std::int64_t v) { return field(fmt::format("{}", v)); }
  void header(std::string_view line) {  // already in CSV form
    text_ += line;
    end_line();
  }
  void end_line() {
    text_ += "\r\n";
    at_line_start_ = true;
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  bool at_line_start_ = true;
};

void percentile_fields(CsvText& csv, const Histogram& h) {
  for (double q : kPercentiles) {
    if (h.count() == 0) csv.field("N/A");
    else csv.field(ms_int(h.percentile(q)));
  }
}

// Median, average, min, max and average content size, as in both the stats and history files.
void totals_fields(CsvText& csv, const EndpointStats& s) {
  const auto& h = s.actual;
  if (s.requests == 0 || h.count() == 0) {
    csv.field("0").field("0.0").field("0").field("0");
  } else {
    csv.field(ms_int(h.percentile(0.5))).field(py_float(h.mean() / 1000.0)).field(ms_float(h.min())).field(ms_float(h.max()));
  }
  if (s.requests == 0) csv.field("0");
  else csv.field(py_float(static_cast<double>(s.bytes) / static_cast<double>(s.requests)));
}

void write_file(const std::string& path, const std::string& content) {
  write_file_atomically(path, content, "Locust CSV file");
}

}  // namespace

void write_locust_csv(const std::string& prefix, const Summary& summary, const std::vector<HistoryPoint>& history,
                      const std::map<FailureKey, std::uint64_t>& failures) {
  CsvText stats;
  stats.header(kLocustStatsHeader);
  for (const auto& row : summary.rows) {  // endpoints by name and method, then "Aggregated" with Type ""
    stats.field(row.key.method).field(row.key.name).field(row.stats.requests).field(row.stats.failures);
    totals_fields(stats, row.stats);
    stats.field(py_float(row.rps)).field(py_float(row.failures_per_s));
    percentile_fields(stats, row.stats.actual);
    stats.end_line();
  }

  CsvText hist;
  hist.header(kLocustHistoryHeader);
  for (const auto& p : history) {
    hist.field(p.unix_seconds).field(p.users).field("").field("Aggregated");
    hist.field(fmt::format("{:f}", static_cast<double>(p.second.requests)));
    hist.field(fmt::format("{:f}", static_cast<double>(p.second.failures)));
    percentile_fields(hist, p.cumulative.actual);  // cumulative, as Locust writes them without --csv-full-history
    hist.field(p.cumulative.requests).field(p.cumulative.failures);
    totals_fields(hist, p.cumulative);
    hist.end_line();
  }

  // Locust keys failures by method, name and error text; the kind is ours alone.
  std::map<std::tuple<std::string_view, std::string_view, std::string_view>, std::uint64_t> merged;
  for (const auto& [key, n] : failures) merged[{key.name, key.method, key.message}] += n;
  CsvText fail;
  fail.header(kLocustFailuresHeader);
  for (const auto& [key, n] : merged) {
    const auto& [name, method, message] = key;
    fail.field(method).field(name).field(message).field(n);
    fail.end_line();
  }

  write_file(prefix + "_stats.csv", stats.text());
  write_file(prefix + "_stats_history.csv", hist.text());
  write_file(prefix + "_failures.csv", fail.text());
}

}  // namespace aria::replayer
