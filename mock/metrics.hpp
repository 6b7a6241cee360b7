// Live counters behind the stand-in's /metrics. Each server thread owns one shard and is its only
// writer (relaxed atomics, no contention); a scrape sums the shards.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "mock/routes.hpp"

namespace aria::mock {

class Metrics {
 public:
  static constexpr std::array<double, 14> kBuckets = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                      0.5,   1,     2.5,  5,     10,  30,  60};
  static constexpr std::array<std::string_view, 7> kMethods = {"GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OTHER"};
  static constexpr std::array<int, 15> kStatuses = {200, 201, 204, 400, 401, 404, 405, 409,
                                                    413, 422, 429, 431, 500, 502, 0 /* other */};

  struct Shard {
    std::array<std::atomic<std::uint64_t>, kRouteCount * kMethods.size() * kStatuses.size()> requests{};
    std::array<std::atomic<std::uint64_t>, kRouteCount*(kBuckets.size() + 1)> buckets{};
    std::array<std::atomic<std::uint64_t>, kRouteCount> duration_us_sum{};
    std::atomic<std::uint64_t> dropped_connections{0};
    std::atomic<std::uint64_t> ws_messages{0};
  };

  explicit Metrics(std::size_t shards);

  Shard& shard(std::size_t index) { return *shards_[index % shards_.size()]; }

  // Called by the thread that owns `shard` once per response.
  static void observe(Shard& shard, Route route, std::string_view method, int status, double seconds);

  std::uint64_t total_requests() const;
  // Prometheus text exposition format, version 0.0.4.
  std::string render(double uptime_seconds) const;

 private:
  std::vector<std::unique_ptr<Shard>> shards_;
};

// Resident set size of this process in bytes, from /proc/self/statm (0 when unknown).
std::uint64_t resident_memory_bytes();

}  // namespace aria::mock
