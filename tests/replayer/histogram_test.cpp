#include "replayer/histogram.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <sstream>

#include "core/errors.hpp"

namespace aria::replayer {
namespace {

const std::string kFixtures = ARIA_REPLAYER_FIXTURES;

// The exact nearest-rank percentile of sorted values, with the same rank rule as Histogram.
std::int64_t exact_percentile(const std::vector<std::int64_t>& sorted, double q) {
  const auto n = static_cast<double>(sorted.size());
  const double rank = std::clamp(std::ceil(q * n - 1e-9), 1.0, n);
  return sorted[static_cast<std::size_t>(rank) - 1];
}

void expect_within_one_percent(const std::vector<std::int64_t>& values, const std::string& what) {
  Histogram h;
  std::int64_t sum = 0;
  for (auto v : values) {
    h.record(v);
    sum += v;
  }
  auto sorted = values;
  std::sort(sorted.begin(), sorted.end());
  ASSERT_EQ(h.count(), values.size()) << what;
  EXPECT_EQ(h.min(), sorted.front()) << what;
  EXPECT_EQ(h.max(), sorted.back()) << what;
  EXPECT_DOUBLE_EQ(h.mean(), static_cast<double>(sum) / static_cast<double>(values.size())) << what;
  for (double q : {0.0001, 0.01, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 0.9999, 1.0}) {
    const auto exact = exact_percentile(sorted, q);
    const auto got = h.percentile(q);
    EXPECT_LE(std::abs(static_cast<double>(got - exact)), 0.01 * static_cast<double>(exact))
        << what << ": q " << q << " exact " << exact << " reported " << got;
  }
}

std::vector<std::int64_t> generate(std::size_t n, const std::function<double(std::mt19937_64&)>& draw) {
  std::mt19937_64 rng(20240607);
  std::vector<std::int64_t> out;
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(std::clamp<std::int64_t>(std::llround(draw(rng)), Histogram::kLowest, Histogram::kHighest));
  return out;
}

TEST(Histogram, PercentilesWithinOnePercentForSeveralDistributions) {
  constexpr std::size_t n = 200'000;
  expect_within_one_percent(generate(n, [](auto& rng) { return std::uniform_real_distribution<>(1, 60e6)(rng); }),
                            "uniform 1us..60s");
  expect_within_one_percent(generate(n, [](auto& rng) { return std::uniform_real_distribution<>(1, 3000)(rng); }),
                            "uniform 1us..3ms");
  expect_within_one_percent(generate(n, [](auto& rng) { return std::uniform_real_distribution<>(1e3, 1e6)(rng); }),
                            "uniform 1ms..1s");
  expect_within_one_percent(generate(n,
                                     [](auto& rng) {
                                       return std::exp(std::uniform_real_distribution<>(0, std::log(60e6))(rng));
                                     }),
                            "log-uniform 1us..60s");
  expect_within_one_percent(generate(n,
                                     [](auto& rng) {
                                       if (std::bernoulli_distribution(0.9)(rng))
                                         return std::normal_distribution<>(20e3, 3e3)(rng);
                                       return std::normal_distribution<>(800e3, 100e3)(rng);
                                     }),
                            "bimodal 20ms/800ms");
  expect_within_one_percent(generate(n, [](auto& rng) { return std::lognormal_distribution<>(9, 1.5)(rng); }),
                            "log-normal");
  expect_within_one_percent(generate(1, [](auto&) { return 4242.0; }), "a single value");
}

// The bound, value by value: with 1 us below and 60 s above, the median is the bucket holding v.
TEST(Histogram, EveryValueIsReportedWithinOnePercent) {
  std::vector<std::int64_t> values;
  for (std::int64_t v = 1; v <= 70'000; ++v) values.push_back(v);
  for (double v = 70'000; v <= 60e6; v *= 1.0007) values.push_back(std::llround(v));
  values.push_back(Histogram::kHighest);
  double worst = 0;
  for (auto v : values) {
    Histogram h;
    h.record(1);
    h.record(v);
    h.record(Histogram::kHighest);
    const auto got = h.percentile(0.5);
    const double error = std::abs(static_cast<double>(got - v)) / static_cast<double>(v);
    worst = std::max(worst, error);
    ASSERT_LE(error, 0.01) << "value " << v << " reported " << got;
  }
  EXPECT_LT(worst, 0.008);  // the design bound: half a bucket, 1/128
}

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.min(), 0);
  EXPECT_EQ(h.max(), 0);
  EXPECT_EQ(h.mean(), 0.0);
  EXPECT_EQ(h.percentile(0.5), 0);
  EXPECT_EQ(h.percentile(1.0), 0);
}

TEST(Histogram, OutOfRangeValues) {
  Histogram h;
  h.record(0);
  h.record(-7);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.percentile(0.5), 1);
  h.record(90'000'000);
  EXPECT_EQ(h.max(), 90'000'000);
  EXPECT_EQ(h.percentile(1.0), 90'000'000);
  EXPECT_DOUBLE_EQ(h.mean(), (1 + 1 + 90'000'000) / 3.0);
  // Counted in the top bucket: reported near 60 s, never above the maximum.
  const auto p99 = h.percentile(0.99);
  EXPECT_LE(std::abs(static_cast<double>(p99 - Histogram::kHighest)), 0.01 * Histogram::kHighest);

  Histogram only_huge;
  only_huge.record(120'000'000);
  only_huge.record(100'000'000);
  EXPECT_EQ(only_huge.percentile(0.5), 100'000'000);  // clamped to [min, max]
  EXPECT_EQ(only_huge.percentile(0.0), 100'000'000);
  EXPECT_EQ(only_huge.percentile(1.0), 120'000'000);
}

TEST(Histogram, PercentileStaysWithinMinAndMax) {
  Histogram h;
  for (int i = 0; i < 10; ++i) h.record(1'000'003);  // its bucket's middle is above it
  EXPECT_EQ(h.percentile(0.5), 1'000'003);
  EXPECT_EQ(h.percentile(0.0), 1'000'003);
  EXPECT_EQ(h.percentile(-1), 1'000'003);
  EXPECT_EQ(h.percentile(2), 1'000'003);
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<std::int64_t> small(1, 5'000), large(1, 80'000'000);
  Histogram a, b, all;
  for (int i = 0; i < 5'000; ++i) {
    const auto v = small(rng);
    a.record(v);
    all.record(v);
  }
  for (int i = 0; i < 5'000; ++i) {
    const auto v = large(rng);
    b.record(v);
    all.record(v);
  }
  Histogram merged = a;
  merged.merge(b);
  EXPECT_EQ(merged, all);
  Histogram other_way = b;
  other_way.merge(a);
  EXPECT_EQ(other_way, all);

  Histogram empty;
  Histogram into_empty;
  into_empty.merge(all);
  EXPECT_EQ(into_empty, all);
  merged.merge(empty);
  EXPECT_EQ(merged, all);

  merged.clear();
  EXPECT_EQ(merged, Histogram{});
}

TEST(Histogram, SerializeRoundTrip) {
  std::mt19937_64 rng(11);
  std::uniform_int_distribution<std::int64_t> any(-10, 90'000'000);
  for (int size : {0, 1, 2, 100, 10'000}) {
    Histogram h;
    for (int i = 0; i < size; ++i) h.record(any(rng));
    const auto bytes = h.serialize();
    EXPECT_EQ(Histogram::deserialize(bytes), h) << size << " values";
    EXPECT_EQ(Histogram::deserialize(bytes).serialize(), bytes);
  }
  Histogram h;
  h.record(250);
  EXPECT_LT(h.serialize().size(), 20u);  // sparse
}

// ---- Hand-made blobs -----------------------------------------------------------------------------

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
std::uint64_t zz(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }

struct Blob {
  std::string magic = "ARHG";
  int version = 1;
  std::uint64_t count = 0;
  std::int64_t min = 0, max = 0, sum = 0;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> buckets;
  std::string bytes() const {
    std::string out = magic;
    out.push_back(static_cast<char>(version));
    put_varint(out, count);
    put_varint(out, zz(min));
    put_varint(out, zz(max));
    put_varint(out, zz(sum));
    put_varint(out, buckets.size());
    for (auto [index, n] : buckets) {
      put_varint(out, index);
      put_varint(out, n);
    }
    return out;
  }
};

// Three values 10, 20 and 30 us: buckets 10, 20 and 30 (exact below 128).
Blob valid_blob() { return Blob{"ARHG", 1, 3, 10, 30, 60, {{10, 1}, {20, 1}, {30, 1}}}; }

void expect_rejected(const std::string& bytes, const std::string& what) {
  try {
    Histogram::deserialize(bytes);
    ADD_FAILURE() << "accepted: " << what;
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("histogram"), std::string::npos) << e.what();
  }
}

TEST(Histogram, HandMadeBlobMatchesTheFormat) {
  Histogram h;
  h.record(10);
  h.record(20);
  h.record(30);
  EXPECT_EQ(h.serialize(), valid_blob().bytes());
  EXPECT_EQ(Histogram::deserialize(valid_blob().bytes()), h);
  EXPECT_EQ(Histogram::deserialize(Blob{}.bytes()), Histogram{});
}

TEST(Histogram, CorruptBlobsAreRejected) {
  const auto good = valid_blob().bytes();
  for (std::size_t len = 0; len < good.size(); ++len) expect_rejected(good.substr(0, len), "truncated");
  expect_rejected(good + '\0', "trailing byte");

  auto b = valid_blob();
  b.magic = "ARHX";
  expect_rejected(b.bytes(), "bad magic");
  b = valid_blob();
  b.version = 2;
  expect_rejected(b.bytes(), "version 2");
  b = valid_blob();
  b.count = 4;
  expect_rejected(b.bytes(), "counts sum to less than count");
  b = valid_blob();
  b.count = 2;
  expect_rejected(b.bytes(), "counts sum to more than count");
  b = valid_blob();
  b.buckets.back().first = 5'000;
  expect_rejected(b.bytes(), "index out of range");
  b = valid_blob();
  b.buckets.back().first = std::uint64_t{1} << 62;
  expect_rejected(b.bytes(), "huge index");
  b = valid_blob();
  std::swap(b.buckets[0], b.buckets[1]);
  expect_rejected(b.bytes(), "indices out of order");
  b = valid_blob();
  b.buckets[1].first = 10;
  expect_rejected(b.bytes(), "repeated index");
  b = valid_blob();
  b.buckets.push_back({40, 0});
  expect_rejected(b.bytes(), "empty bucket");
  b = valid_blob();
  b.min = 11;
  expect_rejected(b.bytes(), "min not in the first bucket");
  b = valid_blob();
  b.max = 29;
  expect_rejected(b.bytes(), "max not in the last bucket");
  b = valid_blob();
  b.min = 0;
  expect_rejected(b.bytes(), "min below 1 us");
  b = valid_blob();
  b.sum = 10;
  expect_rejected(b.bytes(), "sum below count * min");
  b = valid_blob();
  b.sum = 1000;
  expect_rejected(b.bytes(), "sum above count * max");
  b = Blob{};
  b.max = 5;
  expect_rejected(b.bytes(), "empty with a max");
  b = valid_blob();
  b.buckets.clear();
  expect_rejected(b.bytes(), "no buckets");

  std::string overlong = "ARHG\x01";
  overlong += std::string(10, '\x80') + '\x01';
  expect_rejected(overlong, "varint longer than 10 bytes");
  std::string overflow = "ARHG\x01";
  overflow += std::string(9, '\xff') + '\x7f';
  expect_rejected(overflow, "varint above 64 bits");
  std::string many = "ARHG\x01";
  for (int i = 0; i < 4; ++i) put_varint(many, 0);
  put_varint(many, 1'000'000);
  expect_rejected(many, "more buckets than exist");
}

// ---- Golden fixtures: version 1 must stay readable ----------------------------------------------

Histogram golden_histogram() {
  Histogram h;
  h.record(0);
  h.record(-5);
  h.record(250);
  for (std::int64_t i = 1; i <= 1000; ++i) h.record(i * 997);
  h.record(90'000'000);
  return h;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Run once with --gtest_also_run_disabled_tests --gtest_filter='*WriteGoldenFixtures' to create
// the fixtures; they are committed and must never change for version 1.
TEST(Histogram, DISABLED_WriteGoldenFixtures) {
  std::ofstream(kFixtures + "/histogram-v1.bin", std::ios::binary) << golden_histogram().serialize();
  auto bad = valid_blob();
  bad.count = 4;  // the buckets hold 3
  std::ofstream(kFixtures + "/histogram-v1-bad-counts.bin", std::ios::binary) << bad.bytes();
}

TEST(Histogram, GoldenFixtureStillReads) {
  const auto bytes = read_file(kFixtures + "/histogram-v1.bin");
  const auto h = Histogram::deserialize(bytes);
  EXPECT_EQ(h, golden_histogram());
  EXPECT_EQ(h.serialize(), bytes);  // and the format did not change
  EXPECT_EQ(h.count(), 1004u);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 90'000'000);
  EXPECT_DOUBLE_EQ(h.mean(), (1 + 1 + 250 + 997.0 * 500'500 + 90'000'000) / 1004.0);
  // Pinned values (buckets of this format), each within 1 % of the exact nearest-rank value.
  const std::pair<double, std::int64_t> pinned[] = {
      {0.5, 497'664}, {0.9, 897'024}, {0.95, 946'176}, {0.99, 987'136}, {0.999, 995'328}};
  const std::pair<double, std::int64_t> exact[] = {
      {0.5, 497'503}, {0.9, 898'297}, {0.95, 948'147}, {0.99, 988'027}, {0.999, 997'000}};
  for (std::size_t i = 0; i < std::size(pinned); ++i) {
    EXPECT_EQ(h.percentile(pinned[i].first), pinned[i].second) << "q " << pinned[i].first;
    EXPECT_LE(std::abs(static_cast<double>(pinned[i].second - exact[i].second)), 0.01 * exact[i].second);
  }
  EXPECT_EQ(h.percentile(1.0), 90'000'000);
}

TEST(Histogram, InvalidFixtureIsRejected) {
  expect_rejected(read_file(kFixtures + "/histogram-v1-bad-counts.bin"), "bad-counts fixture");
}

}  // namespace
}  // namespace aria::replayer
