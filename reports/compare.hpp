// Two runs compared, per endpoint and in total: p50, p95, p99, requests/s and failure rate, each
// called better, same or worse only when the change is larger than the noise and the tolerance.
//
// Noise: a percentile's confidence interval comes from its stored histogram (the ranks n*q +- z
// sqrt(n q (1 - q)) of the order statistics, distribution-free); two latencies differ when their
// intervals do not overlap. Requests/s: Poisson intervals of the request counts over the run's
// duration. Failure rate: a two-proportion z-test. On top of the noise, a change must exceed its
// tolerance (5 % for latencies and requests/s, 0.5 percentage points for the failure rate by
// default) and, for latencies, 1 ms: a significant 1 % or 0.1 ms change is no regression worth a
// red build. Percentiles with fewer than 5 requests beyond them are not judged.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/report.hpp"
#include "store/database.hpp"
#include "store/runs.hpp"

namespace aria::reports {

struct CompareOptions {
  double confidence = 0.95;
  double latency_tolerance = 0.05;    // relative
  double rps_tolerance = 0.05;        // relative
  double fail_rate_tolerance = 0.005; // absolute (0.005 = 0.5 percentage points)
  double latency_floor_ms = 1;        // a latency change smaller than this is the same, whatever its share
  // A percentile is judged only when at least this many requests lie beyond it (p99 needs 500
  // requests, p95 100, p50 10): below that it is one or two requests, not a percentile.
  double min_tail_requests = 5;
};

enum class Verdict { better, same, worse, missing };
const char* to_string(Verdict v);

struct MetricChange {
  std::string metric;  // p50 | p95 | p99 | rps | fail_rate
  double base = 0, run = 0;            // ms for latencies, per second, fraction
  double base_lo = 0, base_hi = 0;     // the confidence interval
  double run_lo = 0, run_hi = 0;
  double change = 0;                   // run - base
  double relative = 0;                 // change / base (0 when base is 0)
  Verdict verdict = Verdict::same;
  std::string why;                     // for worse and better: what made it so
};

struct EndpointChange {
  std::string method, name;  // "" and "Aggregated" for the total
  std::int64_t base_requests = 0, run_requests = 0;
  std::vector<MetricChange> metrics;
  Verdict verdict = Verdict::same;  // worst of its metrics (missing: in one run only)
};

struct Comparison {
  store::RunListing base, run;
  std::vector<EndpointChange> endpoints;  // the total last
  bool regression = false;                // a metric got worse somewhere
  std::vector<std::string> notes;         // e.g. the two runs used different models
};

// Throws aria::UsageError for an unknown run.
Comparison compare_runs(const store::Database& db, std::int64_t base, std::int64_t run, const CompareOptions& options);
// The same for loaded runs (used by trend).
Comparison compare_loaded(const store::RunRecord& base, const store::RunRecord& run, const CompareOptions& options);

// The distribution-free confidence interval of quantile q of a serialized histogram, in
// microseconds; {0, 0} when it is empty or unreadable.
std::pair<double, double> percentile_interval(const std::string& histogram, double q, double confidence);

std::string comparison_json(const Comparison& c);
std::string comparison_text(const Comparison& c);
std::string render_comparison(const Comparison& c, const TemplateSource& templates);

}  // namespace aria::reports
