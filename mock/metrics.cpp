#include "mock/metrics.hpp"

#include <unistd.h>

#include <fstream>

#include <fmt/format.h>

namespace aria::mock {
namespace {

constexpr std::size_t kM = Metrics::kMethods.size();
constexpr std::size_t kS = Metrics::kStatuses.size();
constexpr std::size_t kB = Metrics::kBuckets.size() + 1;

std::size_t method_index(std::string_view m) {
  for (std::size_t i = 0; i + 1 < kM; ++i)
    if (Metrics::kMethods[i] == m) return i;
  return kM - 1;
}

std::size_t status_index(int status) {
  for (std::size_t i = 0; i + 1 < kS; ++i)
    if (Metrics::kStatuses[i] == status) return i;
  return kS - 1;
}

}  // namespace

Metrics::Metrics(std::size_t shards) {
  for (std::size_t i = 0; i < std::max<std::size_t>(shards, 1); ++i) shards_.push_back(std::make_unique<Shard>());
}

void Metrics::observe(Shard& shard, Route route, std::string_view method, int status, double seconds) {
  auto r = static_cast<std::size_t>(route);
  shard.requests[(r * kM + method_index(method)) * kS + status_index(status)].fetch_add(1, std::memory_order_relaxed);
  std::size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  shard.buckets[r * kB + b].fetch_add(1, std::memory_order_relaxed);
  shard.duration_us_sum[r].fetch_add(static_cast<std::uint64_t>(seconds * 1e6), std::memory_order_relaxed);
}

std::uint64_t Metrics::total_requests() const {
  std::uint64_t n = 0;
  for (const auto& s : shards_)
    for (const auto& c : s->requests) n += c.load(std::memory_order_relaxed);
  return n;
}

std::string Metrics::render(double uptime_seconds) const {
  std::vector<std::uint64_t> requests(kRouteCount * kM * kS), buckets(kRouteCount * kB), sums(kRouteCount);
  std::uint64_t dropped = 0, ws = 0;
  for (const auto& s : shards_) {
    for (std::size_t i = 0; i < requests.size(); ++i) requests[i] += s->requests[i].load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < buckets.size(); ++i) buckets[i] += s->buckets[i].load(std::memory_order_relaxed);
    for (std::size_t i = 0; i < sums.size(); ++i) sums[i] += s->duration_us_sum[i].load(std::memory_order_relaxed);
    dropped += s->dropped_connections.load(std::memory_order_relaxed);
    ws += s->ws_messages.load(std::memory_order_relaxed);
  }

  std::string out;
  out += "# HELP http_requests_total Total HTTP requests by method, route and status.\n";
  out += "# TYPE http_requests_total counter\n";
  for (std::size_t r = 0; r < kRouteCount; ++r)
    for (std::size_t m = 0; m < kM; ++m)
      for (std::size_t s = 0; s < kS; ++s)
        if (auto n = requests[(r * kM + m) * kS + s]) {
          auto status = kStatuses[s] ? fmt::format("{}", kStatuses[s]) : std::string("other");
          out += fmt::format("http_requests_total{{method=\"{}\",handler=\"{}\",status=\"{}\"}} {}\n", kMethods[m],
                             kRouteLabels[r], status, n);
        }
  out += "# HELP http_request_duration_seconds Time from request read to response written.\n";
  out += "# TYPE http_request_duration_seconds histogram\n";
  for (std::size_t r = 0; r < kRouteCount; ++r) {
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < kB; ++b) cumulative += buckets[r * kB + b];
    if (cumulative == 0) continue;
    std::uint64_t running = 0;
    for (std::size_t b = 0; b < kB; ++b) {
      running += buckets[r * kB + b];
      auto le = b < kBuckets.size() ? fmt::format("{}", kBuckets[b]) : std::string("+Inf");
      out += fmt::format("http_request_duration_seconds_bucket{{handler=\"{}\",le=\"{}\"}} {}\n", kRouteLabels[r], le,
                         running);
    }
    out += fmt::format("http_request_duration_seconds_sum{{handler=\"{}\"}} {:.6f}\n", kRouteLabels[r], sums[r] / 1e6);
    out += fmt::format("http_request_duration_seconds_count{{handler=\"{}\"}} {}\n", kRouteLabels[r], cumulative);
  }
  out += "# HELP mock_dropped_connections_total Responses cut off by fault injection.\n";
  out += "# TYPE mock_dropped_connections_total counter\n";
  out += fmt::format("mock_dropped_connections_total {}\n", dropped);
  out += "# HELP websocket_messages_total WebSocket chat messages received.\n";
  out += "# TYPE websocket_messages_total counter\n";
  out += fmt::format("websocket_messages_total {}\n", ws);
  out += "# HELP process_resident_memory_bytes Resident memory size in bytes.\n";
  out += "# TYPE process_resident_memory_bytes gauge\n";
  out += fmt::format("process_resident_memory_bytes {}\n", resident_memory_bytes());
  out += "# HELP process_uptime_seconds Seconds since the stand-in started.\n";
  out += "# TYPE process_uptime_seconds gauge\n";
  out += fmt::format("process_uptime_seconds {:.3f}\n", uptime_seconds);
  return out;
}

std::uint64_t resident_memory_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  return resident * static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace aria::mock
