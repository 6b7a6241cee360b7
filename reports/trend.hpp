// A label's runs over time: p95, p99, requests/s and failure rate run by run, each run compared
// with the one before it (as `compare` does, in total), regressions marked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "reports/compare.hpp"
#include "reports/report.hpp"
#include "store/database.hpp"

namespace aria::reports {

struct TrendOptions {
  std::optional<std::string> label;  // unset: every run
  std::size_t last = 30;             // the newest N completed runs
  CompareOptions compare;
};

struct TrendPoint {
  store::RunListing run;
  double p95_ms = 0, p99_ms = 0, rps = 0, fail_rate = 0;
  bool regression = false;        // worse than the run before it
  std::vector<std::string> worse;  // "p95 +23.1 %, outside both 95 % intervals"
};

// Oldest first. Throws aria::UsageError when no completed run matches.
std::vector<TrendPoint> trend_points(const store::Database& db, const TrendOptions& options);
std::string render_trend(const std::vector<TrendPoint>& points, const TrendOptions& options,
                         const TemplateSource& templates);

}  // namespace aria::reports
