// compare and trend on runs of known distributions: a real slowdown is called, noise is not.
#include "reports/compare.hpp"

#include <filesystem>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "replayer/histogram.hpp"
#include "reports/junit.hpp"
#include "reports/trend.hpp"
#include "store/runs.hpp"
#include "tests/reports/store_fixture.hpp"

namespace aria::reports {
namespace {

using ::testing::HasSubstr;

struct CompareTest : testing::StoreFixture {
  // A 60 s run of `requests` to one endpoint, latencies uniform in [lo_ms, hi_ms).
  std::int64_t add_run(double lo_ms, double hi_ms, std::int64_t requests, std::int64_t failures, std::uint64_t seed,
                       std::string label = "nightly") {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> ms(lo_ms, hi_ms);
    replayer::Histogram h;
    for (std::int64_t i = 0; i < requests; ++i) h.record(static_cast<std::int64_t>(ms(rng) * 1000));
    store::RunStart start;
    start.label = std::move(label);
    start.target = "http://127.0.0.1:5000";
    start.model_name = "aria";
    start.mode = "users";
    start.users = 50;
    start.started_us = 1'700'000'000'000'000 + static_cast<std::int64_t>(seed);
    const auto id = store::begin_run(*db, start);
    std::vector<store::RunStatRow> stats;
    for (auto name : {"/api/chat", "Aggregated"}) {
      store::RunStatRow r;
      r.name = name;
      r.method = std::string(name) == "Aggregated" ? "" : "POST";
      r.requests = requests;
      r.failures = failures;
      r.rps = static_cast<double>(requests) / 60;
      r.p50_us = h.percentile(0.5);
      r.p95_us = h.percentile(0.95);
      r.p99_us = h.percentile(0.99);
      r.histogram = h.serialize();
      stats.push_back(r);
    }
    store::RunEnd end;
    end.status = "completed";
    end.verdict = "pass";
    end.duration_us = 60'000'000;
    store::finish_run(*db, id, end, stats, {}, {});
    return id;
  }
};

const MetricChange& metric(const Comparison& c, const std::string& name) {
  for (const auto& m : c.endpoints.back().metrics)
    if (m.metric == name) return m;
  throw std::runtime_error("no metric " + name);
}

TEST_F(CompareTest, TwoRunsOfTheSameSetupAreTheSame) {
  // Same distribution, different samples, over many seeds: never a regression.
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto a = add_run(100, 200, 3000, 3, seed * 2);
    const auto b = add_run(100, 200, 3000, 4, seed * 2 + 1);
    const auto c = compare_runs(*db, a, b, {});
    EXPECT_FALSE(c.regression) << comparison_text(c);
    EXPECT_EQ(c.endpoints.back().name, "Aggregated");
  }
}

TEST_F(CompareTest, ASlowdownIsCalledWithItsIntervals) {
  const auto a = add_run(100, 200, 3000, 0, 1);
  const auto b = add_run(130, 230, 3000, 0, 2);  // 30 ms slower throughout
  const auto c = compare_runs(*db, a, b, {});
  EXPECT_TRUE(c.regression);
  const auto& p95 = metric(c, "p95");
  EXPECT_EQ(p95.verdict, Verdict::worse);
  EXPECT_NEAR(p95.base, 195, 2);
  EXPECT_NEAR(p95.run, 225, 2);
  EXPECT_LT(p95.base_hi, p95.run_lo);
  EXPECT_LE(p95.base_lo, p95.base);
  EXPECT_GE(p95.base_hi, p95.base);
  // And the other way round it is better, not a regression.
  const auto back = compare_runs(*db, b, a, {});
  EXPECT_FALSE(back.regression);
  EXPECT_EQ(metric(back, "p95").verdict, Verdict::better);
  // A large tolerance absorbs it.
  CompareOptions lenient;
  lenient.latency_tolerance = 0.5;
  EXPECT_FALSE(compare_runs(*db, a, b, lenient).regression);
}

TEST_F(CompareTest, FewRequestsAreNotJudgedOnTheirTail) {
  const auto a = add_run(100, 200, 50, 0, 1);
  const auto b = add_run(100, 260, 50, 0, 2);  // p99 would move, but 50 requests have no p99
  const auto c = compare_runs(*db, a, b, {});
  EXPECT_EQ(metric(c, "p99").verdict, Verdict::same);
}

TEST_F(CompareTest, FailureRatesByATwoProportionTest) {
  const auto a = add_run(100, 200, 5000, 10, 1);   // 0.2 %
  const auto b = add_run(100, 200, 5000, 150, 2);  // 3 %
  const auto c = compare_runs(*db, a, b, {});
  EXPECT_TRUE(c.regression);
  EXPECT_EQ(metric(c, "fail_rate").verdict, Verdict::worse);
  const auto d = add_run(100, 200, 5000, 14, 3);  // 0.28 %: within the noise and the tolerance
  EXPECT_EQ(metric(compare_runs(*db, a, d, {}), "fail_rate").verdict, Verdict::same);
  EXPECT_THAT(comparison_json(c), HasSubstr("\"regression\":true"));
  EXPECT_THAT(comparison_text(c), HasSubstr("verdict: REGRESSION"));
  EXPECT_THROW(compare_runs(*db, a, 99, {}), UsageError);
}

TEST_F(CompareTest, TrendMarksTheRunThatGotWorse) {
  add_run(100, 200, 3000, 0, 1);
  add_run(100, 200, 3000, 0, 2);
  add_run(150, 250, 3000, 0, 3);  // the slowdown
  add_run(150, 250, 3000, 0, 4);
  add_run(100, 200, 3000, 0, 5, "other label");
  TrendOptions o;
  o.label = "nightly";
  const auto points = trend_points(*db, o);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_FALSE(points[1].regression);
  EXPECT_TRUE(points[2].regression);
  EXPECT_FALSE(points[3].regression);
  const auto html = render_trend(points, o, {});
  EXPECT_THAT(html, HasSubstr("1 regression(s)"));
  EXPECT_THAT(html, HasSubstr("class=\"badge fail regression\""));
  o.last = 2;
  EXPECT_EQ(trend_points(*db, o).size(), 2u);
  o.label = "nobody";
  EXPECT_THROW(trend_points(*db, o), UsageError);
}

TEST(JUnit, CasesFailuresAndEscaping) {
  const auto xml = junit_xml("suite <1>", {{"run 1", "p95<500ms", std::nullopt, 1.5},
                                           {"run 1", "rps>100", std::string("observed 87/s & \"low\""), 1.5}});
  EXPECT_THAT(xml, HasSubstr("<testsuites tests=\"2\" failures=\"1\" time=\"3.000\">"));
  EXPECT_THAT(xml, HasSubstr("name=\"suite &lt;1&gt;\""));
  EXPECT_THAT(xml, HasSubstr("<testcase classname=\"run 1\" name=\"p95&lt;500ms\" time=\"1.500\"/>"));
  EXPECT_THAT(xml, HasSubstr("<failure message=\"observed 87/s &amp; &quot;low&quot;\">"));
}

}  // namespace
}  // namespace aria::reports
