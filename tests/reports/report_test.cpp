// HTML reports of runs in a real store: every section and figure from the store, everything a
// user typed or the target sent escaped, nothing fetched from elsewhere.
#include "reports/report.hpp"

#include <filesystem>
#include <fstream>
#include <regex>

#include <fmt/format.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "replayer/histogram.hpp"
#include "store/runs.hpp"
#include "tests/reports/store_fixture.hpp"

namespace aria::reports {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct ReportTest : testing::StoreFixture {
  // A run as the replayer stores one: `seconds` of series, two endpoints (one named by a
  // recording, with markup in it), a failure, thresholds and the class mix.
  std::int64_t add_run(std::string label, int seconds, std::int64_t requests) {
    store::RunStart start;
    start.label = std::move(label);
    start.target = "http://127.0.0.1:5000";
    start.model_name = "builtin:aria";
    start.mode = "users";
    start.users = 50;
    start.started_us = 1'700'000'000'000'000;
    const auto id = store::begin_run(*db, start);
    replayer::Histogram h;
    for (std::int64_t i = 0; i < requests; ++i) h.record(1000 + (i * 7919) % 250'000);
    auto row = [&](std::string name, std::string method, std::int64_t n, std::int64_t failures) {
      store::RunStatRow r;
      r.name = std::move(name);
      r.method = std::move(method);
      r.requests = n;
      r.failures = failures;
      r.rps = static_cast<double>(n) / seconds;
      r.avg_us = h.mean();
      r.min_us = h.min();
      r.p50_us = h.percentile(0.5);
      r.p95_us = h.percentile(0.95);
      r.p99_us = h.percentile(0.99);
      r.max_us = h.max();
      r.p95_intended_us = h.percentile(0.95) + 1000;
      r.histogram = h.serialize();
      return r;
    };
    std::vector<store::RunStatRow> stats{row("/api/chat", "POST", requests - 10, 3),
                                         row("/x/<script>alert(1)</script>", "GET", 10, 0),
                                         row("Aggregated", "", requests, 3)};
    std::vector<store::SeriesRow> series;
    for (int s = 0; s < seconds; ++s)
      series.push_back({s, requests / seconds, s == 1 ? 3 : 0, 50, 1000, 2000 + s, 9000 + s});
    std::vector<store::FailureRow> failures{{"/api/chat", "POST", "check", "No content in <b>response</b>", 3}};
    store::RunEnd end;
    end.status = "completed";
    end.verdict = "fail";
    end.thresholds =
        R"([{"threshold":"p95<500ms","pass":true,"observed":212000},{"threshold":"rps>100","pass":false,"observed":87.5}])";
    end.duration_us = seconds * 1'000'000LL;
    end.mix = R"([{"class":"ChatUser","weight":0.5,"users":25,"iterations":300,"tasks":[{"name":"send_chat_message","weight":0.714,"runs":215},{"name":"get_session_history","weight":0.214,"runs":85}]},{"class":"Dash<i>","weight":0.5,"users":25,"iterations":90,"tasks":[]}])";
    store::finish_run(*db, id, end, stats, series, failures);
    return id;
  }
};

TEST_F(ReportTest, EverySectionAndFigureComesFromTheStore) {
  const auto id = add_run("nightly", 30, 3000);
  const auto html = render_run_report(*db, id, {});
  for (auto section : {"id=\"run\"", "id=\"summary\"", "id=\"endpoints\"", "id=\"charts\"", "id=\"distribution\"",
                       "id=\"failures\"", "id=\"mix\""})
    EXPECT_THAT(html, HasSubstr(section));
  const auto run = *store::load_run(*db, id);
  const auto& total = run.stats.back();
  EXPECT_THAT(html, HasSubstr("data-figure=\"requests\">3,000<"));
  EXPECT_THAT(html, HasSubstr("data-figure=\"failures\">3<"));
  EXPECT_THAT(html, HasSubstr("data-figure=\"failure_rate\">0.10 %<"));
  EXPECT_THAT(html, HasSubstr(fmt::format("data-figure=\"p95\">{:.0f} ms<", static_cast<double>(total.p95_us) / 1000)));
  EXPECT_THAT(html, HasSubstr("data-figure=\"rps\">100.0<"));
  EXPECT_THAT(html, HasSubstr("<span class=\"badge fail\" id=\"verdict\">fail</span>"));
  EXPECT_THAT(html, HasSubstr("p95&lt;500ms  observed 212ms  pass"));
  EXPECT_THAT(html, HasSubstr("rps&gt;100  observed 87.5/s  FAIL"));
  // Endpoint rows: two and the aggregate; the mix: classes with their tasks.
  const std::regex endpoint_row("<td class=\"text\">(GET|POST|)</td><td class=\"text\">");
  EXPECT_EQ(std::distance(std::sregex_iterator(html.begin(), html.end(), endpoint_row), std::sregex_iterator()), 4)
      << "3 endpoint rows and the failure row";
  EXPECT_THAT(html, HasSubstr("send_chat_message</td><td>71.40 %</td>"));
  EXPECT_THAT(html, HasSubstr("<td>215</td><td>71.67 %</td>"));
  EXPECT_THAT(html, HasSubstr("No content in &lt;b&gt;response&lt;/b&gt;"));
  // Four charts, all inline SVG.
  const std::regex svg("<svg ");
  EXPECT_EQ(std::distance(std::sregex_iterator(html.begin(), html.end(), svg), std::sregex_iterator()), 4);
  EXPECT_THAT(html, Not(HasSubstr("no data")));
}

TEST_F(ReportTest, RecordedAndTypedTextIsEscapedAndNothingIsFetched) {
  const auto id = add_run("<script>alert('label')</script>", 5, 100);
  const auto html = render_run_report(*db, id, {});
  EXPECT_THAT(html, Not(HasSubstr("<script")));
  EXPECT_THAT(html, HasSubstr("&lt;script&gt;alert(&apos;label&apos;)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("/x/&lt;script&gt;alert(1)&lt;/script&gt;"));
  EXPECT_THAT(html, HasSubstr("Dash&lt;i&gt;"));
  // Self-contained: no scripts, stylesheets, images or fonts from anywhere.
  for (auto outside : {"src=", "<link", "@import", "url(", "<script"}) EXPECT_THAT(html, Not(HasSubstr(outside))) << outside;
}

TEST_F(ReportTest, AnEmptyRunAndAnUnknownOne) {
  store::RunStart start;
  start.target = "http://127.0.0.1:5000";
  start.mode = "users";
  start.started_us = 1;
  const auto id = store::begin_run(*db, start);  // still running, nothing stored yet
  const auto html = render_run_report(*db, id, {});
  EXPECT_THAT(html, HasSubstr("This run stored no requests."));
  EXPECT_THAT(html, HasSubstr("(still running)"));
  try {
    render_run_report(*db, 99, {});
    FAIL() << "an unknown run was rendered";
  } catch (const UsageError& e) {
    EXPECT_THAT(e.what(), HasSubstr("--run 99: no such run"));
    EXPECT_THAT(e.what(), HasSubstr("it has 1"));
  }
}

TEST_F(ReportTest, TemplatesFromAFolderReplaceTheBuiltInOnes) {
  const auto id = add_run("custom", 5, 100);
  const auto templates = dir / "templates";
  std::filesystem::create_directories(templates);
  std::ofstream(templates / "report.mustache") << "<p>{{title}}: {{#summary}}{{requests}} requests{{/summary}}</p>";
  EXPECT_EQ(render_run_report(*db, id, {templates.string()}), "<p>aria-harness run 1 (custom): 100 requests</p>");
  // A folder without the file: the built-in template.
  EXPECT_THAT(render_run_report(*db, id, {dir.string()}), HasSubstr("id=\"summary\""));
  std::ofstream(templates / "report.mustache") << "{{#unclosed}}";
  EXPECT_THROW(render_run_report(*db, id, {templates.string()}), UsageError);
}

TEST_F(ReportTest, ALongBigRunStaysSmall) {
  // An hour of seconds and a million requests: the report grows with seconds and endpoints, not requests.
  const auto id = add_run("soak", 3600, 1'000'000);
  const auto html = render_run_report(*db, id, {});
  EXPECT_LT(html.size(), 2'000'000u);
  EXPECT_THAT(html, HasSubstr("data-figure=\"requests\">1,000,000<"));
}

}  // namespace
}  // namespace aria::reports
