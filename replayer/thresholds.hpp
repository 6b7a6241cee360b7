// Pass/fail criteria of a run: "p95<500ms", "fail_rate<1%", "rps>100", "/api/chat:p95<800ms".
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "replayer/stats.hpp"

namespace aria::replayer {

struct Threshold {
  enum class Metric { avg, min, max, p50, p90, p95, p99, p999, fail_rate, rps, requests };
  enum class Op { lt, le, gt, ge };
  std::string text;                     // as the user wrote it
  std::optional<std::string> endpoint;  // stats name; unset: the aggregate
  Metric metric = Metric::p95;
  Op op = Op::lt;
  double value = 0;                     // microseconds for times, a fraction for fail_rate, per second for rps
};

// Throws aria::UsageError naming the text and the accepted forms. Times take us/ms/s units (a
// bare number is milliseconds, as Locust reports); fail_rate takes a fraction or a percentage.
Threshold parse_threshold(std::string_view text);

// The seed's targets: p95 < 500 ms, failure rate < 1 %, RPS > 100.
std::vector<Threshold> default_thresholds();

struct ThresholdResult {
  Threshold threshold;
  std::optional<double> observed;  // unset when the endpoint never ran (the threshold fails)
  bool pass = false;
  std::string describe() const;    // "p95<500ms  observed 212ms  pass", "rps>100  observed 87.5/s  FAIL"
};

std::vector<ThresholdResult> evaluate(const std::vector<Threshold>& thresholds, const Summary& summary);

}  // namespace aria::replayer
