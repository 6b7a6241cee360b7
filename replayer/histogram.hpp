// A latency histogram with log-spaced buckets: 1 us to 60 s at most 1 % relative error, exact
// count, min, max and sum. Mergeable (per-thread histograms add up), serializable for the store.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aria::replayer {

class Histogram {
 public:
  static constexpr std::int64_t kLowest = 1;            // microseconds
  static constexpr std::int64_t kHighest = 60'000'000;  // microseconds; larger values count here

  void record(std::int64_t micros);  // values below 1 count as 1, above 60 s as 60 s (max stays exact)
  void merge(const Histogram& other);
  void clear();

  std::uint64_t count() const { return count_; }
  std::int64_t min() const { return count_ ? min_ : 0; }
  std::int64_t max() const { return count_ ? max_ : 0; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0; }
  // The value at quantile q in [0, 1] (q = 0.95 for p95), within 1 %; 0 when empty. Never below
  // min() nor above max().
  std::int64_t percentile(double q) const;
  // Each non-empty bucket as (the lowest value it holds, its count), in increasing order: the
  // distribution, for charts.
  std::vector<std::pair<std::int64_t, std::uint64_t>> bucket_counts() const;

  // Compact, versioned, sparse binary form; deserialize() throws aria::UsageError on corrupt data.
  std::string serialize() const;
  static Histogram deserialize(std::string_view bytes);

  bool operator==(const Histogram&) const = default;

 private:
  std::vector<std::uint64_t> buckets_;  // grown on demand
  std::uint64_t count_ = 0;
  std::int64_t min_ = 0;
  std::int64_t max_ = 0;
  std::int64_t sum_ = 0;
};

}  // namespace aria::replayer
