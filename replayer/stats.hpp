// Per-thread request statistics, merged at the end of a run; the summary the CLI prints, the
// store keeps and the CSV files show.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "replayer/histogram.hpp"

namespace aria::replayer {

enum class FailureKind { status, check, connect, timeout, reset, other };
std::string_view to_string(FailureKind kind);  // "status", "check", ... as in the store

struct EndpointKey {
  std::string name;    // stats name, e.g. "/api/sessions/[id]/history"
  std::string method;  // "GET"
  auto operator<=>(const EndpointKey&) const = default;
};

struct EndpointStats {
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;
  std::uint64_t bytes = 0;     // response body bytes
  Histogram actual;            // latency from the actual send
  Histogram intended;          // latency from the intended send (coordinated omission corrected)
  void merge(const EndpointStats& o);
};

struct FailureKey {
  std::string name;
  std::string method;
  FailureKind kind = FailureKind::other;
  std::string message;  // e.g. "Rate limited", "Status 500", "Connection refused"
  auto operator<=>(const FailureKey&) const = default;
};

// One second of the run, all endpoints together.
struct SecondStats {
  std::uint64_t requests = 0;
  std::uint64_t failures = 0;
  std::uint64_t bytes = 0;
  Histogram latency;  // actual
  void merge(const SecondStats& o);
};

// Owned by one worker thread; nothing here is shared or locked.
class Stats {
 public:
  // A completed request (successful or not) at `second` seconds since the run started.
  void record(const EndpointKey& key, std::int64_t actual_us, std::int64_t intended_us, std::uint64_t bytes,
              bool failed, std::int64_t second);
  // The reason of a failed request; call in addition to record(..., failed = true).
  void record_failure(const EndpointKey& key, FailureKind kind, std::string message);
  void merge(const Stats& other);

  const std::map<EndpointKey, EndpointStats>& endpoints() const { return endpoints_; }
  const std::map<FailureKey, std::uint64_t>& failures() const { return failures_; }
  const std::vector<SecondStats>& seconds() const { return seconds_; }

 private:
  std::map<EndpointKey, EndpointStats> endpoints_;
  std::map<FailureKey, std::uint64_t> failures_;
  std::vector<SecondStats> seconds_;
};

// A row of the summary: one endpoint, or the aggregate (name "Aggregated", method "").
struct SummaryRow {
  EndpointKey key;
  EndpointStats stats;
  double rps = 0;          // requests / run duration
  double failures_per_s = 0;
  double fail_rate() const { return stats.requests ? double(stats.failures) / double(stats.requests) : 0.0; }
};

struct Summary {
  double duration_s = 0;
  std::vector<SummaryRow> rows;  // endpoints sorted by name then method; the aggregate last
  const SummaryRow& total() const { return rows.back(); }
  const SummaryRow* find(std::string_view name, std::string_view method = {}) const;  // method "" matches any (first)
};

Summary summarize(const Stats& merged, double duration_s);

}  // namespace aria::replayer
