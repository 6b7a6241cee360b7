#include "replayer/stats.hpp"

#include <algorithm>

namespace aria::replayer {

std::string_view to_string(FailureKind kind) {
  switch (kind) {
    case FailureKind::status: return "status";
    case FailureKind::check: return "check";
    case FailureKind::connect: return "connect";
    case FailureKind::timeout: return "timeout";
    case FailureKind::reset: return "reset";
    case FailureKind::other: return "other";
  }
  return "other";
}

void EndpointStats::merge(const EndpointStats& o) {
  requests += o.requests;
  failures += o.failures;
  bytes += o.bytes;
  actual.merge(o.actual);
  intended.merge(o.intended);
}

void SecondStats::merge(const SecondStats& o) {
  requests += o.requests;
  failures += o.failures;
  bytes += o.bytes;
  latency.merge(o.latency);
}

void Stats::record(const EndpointKey& key, std::int64_t actual_us, std::int64_t intended_us, std::uint64_t bytes,
                   bool failed, std::int64_t second) {
  auto& e = endpoints_[key];
  ++e.requests;
  if (failed) ++e.failures;
  e.bytes += bytes;
  e.actual.record(actual_us);
  e.intended.record(intended_us);

  const auto index = static_cast<std::size_t>(std::max<std::int64_t>(second, 0));
  if (seconds_.size() <= index) seconds_.resize(index + 1);
  auto& s = seconds_[index];
  ++s.requests;
  if (failed) ++s.failures;
  s.bytes += bytes;
  s.latency.record(actual_us);
}

void Stats::record_failure(const EndpointKey& key, FailureKind kind, std::string message) {
  ++failures_[FailureKey{key.name, key.method, kind, std::move(message)}];
}

void Stats::merge(const Stats& other) {
  for (const auto& [key, e] : other.endpoints_) endpoints_[key].merge(e);
  for (const auto& [key, n] : other.failures_) failures_[key] += n;
  if (seconds_.size() < other.seconds_.size()) seconds_.resize(other.seconds_.size());
  for (std::size_t i = 0; i < other.seconds_.size(); ++i) seconds_[i].merge(other.seconds_[i]);
}

const SummaryRow* Summary::find(std::string_view name, std::string_view method) const {
  for (const auto& row : rows)
    if (row.key.name == name && (method.empty() || row.key.method == method)) return &row;
  return nullptr;
}

Summary summarize(const Stats& merged, double duration_s) {
  Summary summary;
  summary.duration_s = duration_s;
  auto per_second = [&](std::uint64_t n) { return duration_s > 0 ? static_cast<double>(n) / duration_s : 0.0; };
  SummaryRow total;
  total.key = EndpointKey{"Aggregated", ""};
  summary.rows.reserve(merged.endpoints().size() + 1);
  for (const auto& [key, e] : merged.endpoints()) {  // the map is ordered by name, then method
    SummaryRow row;
    row.key = key;
    row.stats = e;
    row.rps = per_second(e.requests);
    row.failures_per_s = per_second(e.failures);
    total.stats.merge(e);
    summary.rows.push_back(std::move(row));
  }
  total.rps = per_second(total.stats.requests);
  total.failures_per_s = per_second(total.stats.failures);
  summary.rows.push_back(std::move(total));
  return summary;
}

}  // namespace aria::replayer
