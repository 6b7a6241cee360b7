#include "replayer/thresholds.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"

namespace aria::replayer {
namespace {

using Metric = Threshold::Metric;
using Op = Threshold::Op;

struct Case {
  const char* text;
  const char* endpoint;  // nullptr: the aggregate
  Metric metric;
  Op op;
  double value;
};

TEST(ParseThreshold, AcceptedForms) {
  const Case cases[] = {
      {"p95<500ms", nullptr, Metric::p95, Op::lt, 500'000},
      {"p99<=2s", nullptr, Metric::p99, Op::le, 2'000'000},
      {"avg<200", nullptr, Metric::avg, Op::lt, 200'000},  // bare: milliseconds
      {"max<1s", nullptr, Metric::max, Op::lt, 1'000'000},
      {"min>=250us", nullptr, Metric::min, Op::ge, 250},
      {"p50<100ms", nullptr, Metric::p50, Op::lt, 100'000},
      {"p90<1.5s", nullptr, Metric::p90, Op::lt, 1'500'000},
      {"p999<3s", nullptr, Metric::p999, Op::lt, 3'000'000},
      {"p99.9<3s", nullptr, Metric::p999, Op::lt, 3'000'000},
      {"p99<0.5", nullptr, Metric::p99, Op::lt, 500},
      {"fail_rate<1%", nullptr, Metric::fail_rate, Op::lt, 0.01},
      {"fail_rate<0.01", nullptr, Metric::fail_rate, Op::lt, 0.01},
      {"fail_rate<=0", nullptr, Metric::fail_rate, Op::le, 0},
      {"rps>100", nullptr, Metric::rps, Op::gt, 100},
      {"rps>=12.5/s", nullptr, Metric::rps, Op::ge, 12.5},
      {"requests>=1000", nullptr, Metric::requests, Op::ge, 1000},
      {"/api/chat:p95<800ms", "/api/chat", Metric::p95, Op::lt, 800'000},
      {"/api/sessions/[id]/history:fail_rate<5%", "/api/sessions/[id]/history", Metric::fail_rate, Op::lt, 0.05},
      {"http://host:8080/x:max<1s", "http://host:8080/x", Metric::max, Op::lt, 1'000'000},
      {"a:b:rps>1", "a:b", Metric::rps, Op::gt, 1},
      {"  /api/chat : p95 <= 800 ms  ", "/api/chat", Metric::p95, Op::le, 800'000},
      {" fail_rate < 1 % ", nullptr, Metric::fail_rate, Op::lt, 0.01},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto t = parse_threshold(c.text);
    if (c.endpoint) {
      ASSERT_TRUE(t.endpoint.has_value());
      EXPECT_EQ(*t.endpoint, c.endpoint);
    } else {
      EXPECT_FALSE(t.endpoint.has_value());
    }
    EXPECT_EQ(t.metric, c.metric);
    EXPECT_EQ(t.op, c.op);
    EXPECT_DOUBLE_EQ(t.value, c.value);
  }
  EXPECT_EQ(parse_threshold("  p95 < 500ms ").text, "p95 < 500ms");
}

TEST(ParseThreshold, RejectsBadTextNamingItAndTheForms) {
  for (auto bad : {"", "p95", "p95<", "p95<fast", "p97<1s", "latency<1s", "p95=500ms", "p95<-1s", "fail_rate<150%",
                   "fail_rate<often", "rps>fast", "rps>-1", "requests>=many", ":p95<1s", "p95<<1s", "p95 500ms",
                   "p95<500ms extra"}) {
    try {
      parse_threshold(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(std::string("'") + bad + "'"), std::string::npos) << msg;
      EXPECT_NE(msg.find("p95<500ms"), std::string::npos) << msg;
      EXPECT_NE(msg.find("fail_rate"), std::string::npos) << msg;
    }
  }
}

TEST(Thresholds, Defaults) {
  const auto d = default_thresholds();
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].text, "p95<500ms");
  EXPECT_EQ(d[0].metric, Metric::p95);
  EXPECT_DOUBLE_EQ(d[0].value, 500'000);
  EXPECT_EQ(d[1].text, "fail_rate<1%");
  EXPECT_DOUBLE_EQ(d[1].value, 0.01);
  EXPECT_EQ(d[2].text, "rps>100");
  EXPECT_EQ(d[2].op, Op::gt);
  EXPECT_DOUBLE_EQ(d[2].value, 100);
}

// 2000 requests in 10 s: 1000 to /api/status at 212 ms, 500 GET + 500 POST to /api/chat at 950 ms;
// 7 failures.
Summary sample_summary() {
  Stats s;
  for (int i = 0; i < 1000; ++i) s.record({"/api/status", "GET"}, 212'000, 212'000, 10, i < 7, i % 10);
  for (int i = 0; i < 500; ++i) s.record({"/api/chat", "GET"}, 950'000, 950'000, 10, false, i % 10);
  for (int i = 0; i < 500; ++i) s.record({"/api/chat", "POST"}, 950'000, 990'000, 10, false, i % 10);
  return summarize(s, 10.0);
}

std::vector<std::string> describe_all(const std::vector<ThresholdResult>& results) {
  std::vector<std::string> out;
  for (const auto& r : results) out.push_back(r.describe());
  return out;
}

TEST(Thresholds, EvaluateAndDescribe) {
  const auto summary = sample_summary();
  std::vector<Threshold> ts;
  for (auto text : {"/api/status:p95<500ms", "/api/chat:p95<800ms", "fail_rate<1%", "rps>100", "rps>250",
                    "requests>=2000", "/api/chat:requests>=1000", "/api/nowhere:p95<1s", "avg<=581ms", "min<212ms",
                    "max>900", "p50<=0.5s", "p999<=950ms", "/api/status:fail_rate>0.5%"})
    ts.push_back(parse_threshold(text));
  const auto results = evaluate(ts, summary);
  ASSERT_EQ(results.size(), ts.size());

  const std::vector<std::string> expected = {
      "/api/status:p95<500ms  observed 212ms  pass",
      "/api/chat:p95<800ms  observed 950ms  FAIL",
      "fail_rate<1%  observed 0.35%  pass",
      "rps>100  observed 200.0/s  pass",
      "rps>250  observed 200.0/s  FAIL",
      "requests>=2000  observed 2000  pass",
      "/api/chat:requests>=1000  observed 1000  pass",
      "/api/nowhere:p95<1s  observed nothing (the endpoint had no requests)  FAIL",
      "avg<=581ms  observed 581ms  pass",
      "min<212ms  observed 212ms  FAIL",
      "max>900  observed 950ms  pass",
      "p50<=0.5s  observed 212ms  pass",
      "p999<=950ms  observed 946.2ms  pass",  // the bucket's middle
      "/api/status:fail_rate>0.5%  observed 0.7%  pass",
  };
  EXPECT_EQ(describe_all(results), expected);

  EXPECT_TRUE(results[0].pass);
  EXPECT_DOUBLE_EQ(*results[0].observed, 212'000);
  EXPECT_FALSE(results[1].pass);
  EXPECT_DOUBLE_EQ(*results[2].observed, 0.0035);
  EXPECT_DOUBLE_EQ(*results[3].observed, 200);
  EXPECT_DOUBLE_EQ(*results[6].observed, 1000);  // GET and POST merged
  EXPECT_FALSE(results[7].observed.has_value());
  EXPECT_FALSE(results[7].pass);
  EXPECT_EQ(results[0].threshold.text, "/api/status:p95<500ms");
}

TEST(Thresholds, DefaultsOnASmallRun) {
  Stats s;
  s.record({"/", "GET"}, 1'200, 1'200, 0, false, 0);
  const auto results = evaluate(default_thresholds(), summarize(s, 1.0));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].describe(), "p95<500ms  observed 1.2ms  pass");
  EXPECT_EQ(results[1].describe(), "fail_rate<1%  observed 0%  pass");
  EXPECT_EQ(results[2].describe(), "rps>100  observed 1.0/s  FAIL");
}

TEST(Thresholds, NoRequestsAtAll) {
  const auto results = evaluate(default_thresholds(), summarize(Stats{}, 10.0));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_FALSE(results[0].observed.has_value());  // no latency to judge
  EXPECT_FALSE(results[0].pass);
  EXPECT_EQ(results[0].describe(), "p95<500ms  observed nothing (no requests)  FAIL");
  EXPECT_TRUE(results[1].pass);
  EXPECT_FALSE(results[2].pass);
}

TEST(Thresholds, DescribeFormatsTimes) {
  ThresholdResult r;
  r.threshold = parse_threshold("p99<2s");
  r.pass = true;
  for (auto [us, text] : std::initializer_list<std::pair<double, const char*>>{
           {850, "850us"}, {1'000, "1ms"}, {12'340, "12.3ms"}, {999'000, "999ms"}, {1'500'000, "1.5s"},
           {2'000'000, "2s"}, {61'234'567, "61.23s"}}) {
    r.observed = us;
    EXPECT_EQ(r.describe(), std::string("p99<2s  observed ") + text + "  pass");
  }
}

}  // namespace
}  // namespace aria::replayer
