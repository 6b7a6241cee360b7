#include "reports/trend.hpp"

#include <fmt/format.h>

#include "core/errors.hpp"
#include "reports/page.hpp"
#include "reports/svg.hpp"
#include "store/runs.hpp"

namespace aria::reports {

std::vector<TrendPoint> trend_points(const store::Database& db, const TrendOptions& o) {
  std::vector<store::RunListing> runs;
  for (auto& r : store::list_runs(db))
    if (r.status == "completed" && (!o.label || r.label == *o.label)) runs.push_back(std::move(r));
  if (runs.empty())
    throw UsageError(o.label ? fmt::format("{} has no completed run labelled \"{}\"; `aria-harness runs --db {}` lists "
                                           "the runs and their labels",
                                           db.path(), *o.label, db.path())
                             : fmt::format("{} has no completed run", db.path()));
  if (runs.size() > o.last) runs.erase(runs.begin(), runs.end() - static_cast<std::ptrdiff_t>(o.last));
  std::vector<TrendPoint> points;
  std::optional<store::RunRecord> previous;
  for (const auto& l : runs) {
    auto record = store::load_run(db, l.id);
    if (!record) continue;
    TrendPoint p;
    p.run = l;
    p.p95_ms = static_cast<double>(l.p95_us) / 1000;
    p.p99_ms = static_cast<double>(l.p99_us) / 1000;
    p.rps = l.rps;
    p.fail_rate = l.requests > 0 ? static_cast<double>(l.failures) / static_cast<double>(l.requests) : 0;
    if (previous) {
      const auto c = compare_loaded(*previous, *record, o.compare);
      if (!c.endpoints.empty() && c.endpoints.back().name == "Aggregated")
        for (const auto& m : c.endpoints.back().metrics)
          if (m.verdict == Verdict::worse) {
            p.regression = true;
            p.worse.push_back(fmt::format("{} {}", m.metric, m.why));
          }
    }
    previous = std::move(record);
    points.push_back(std::move(p));
  }
  return points;
}

std::string render_trend(const std::vector<TrendPoint>& points, const TrendOptions& o, const TemplateSource& templates) {
  using Data = kainjow::mustache::data;
  kainjow::mustache::mustache tmpl(template_text(templates, "trend"));
  if (!tmpl.is_valid()) throw UsageError(fmt::format("template trend.mustache: {}", tmpl.error_message()));
  Data d = page_data(templates);
  d.set("title", o.label ? fmt::format("aria-harness: runs labelled {}", *o.label) : std::string("aria-harness: runs"));
  std::vector<double> x, p95, p99, rps, fails, marks;
  Data rows{Data::type::list};
  std::size_t regressions = 0;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const auto& p = points[i];
    x.push_back(static_cast<double>(i + 1));
    p95.push_back(p.p95_ms);
    p99.push_back(p.p99_ms);
    rps.push_back(p.rps);
    fails.push_back(p.fail_rate * 100);
    Data row;
    row.set("n", std::to_string(i + 1));
    row.set("id", std::to_string(p.run.id));
    row.set("started_at", p.run.started_at);
    row.set("label", p.run.label);
    row.set("p95", fmt::format("{:.1f} ms", p.p95_ms));
    row.set("p99", fmt::format("{:.1f} ms", p.p99_ms));
    row.set("rps", fmt::format("{:.1f}", p.rps));
    row.set("fail_rate", fmt::format("{:.2f} %", p.fail_rate * 100));
    row.set("verdict", p.run.verdict.value_or(""));
    row.set("regression", p.regression ? Data::type::bool_true : Data::type::bool_false);
    std::string worse;
    for (const auto& w : p.worse) worse += (worse.empty() ? "" : "; ") + w;
    row.set("worse", worse);
    rows.push_back(row);
    if (p.regression) ++regressions;
  }
  d.set("runs", rows);
  d.set("count", std::to_string(points.size()));
  d.set("regressions", std::to_string(regressions));
  d.set("latency_chart", line_chart("p95 and p99 by run", " ms", x,
                                    {{"p95", "#f28e2b", p95}, {"p99", "#e15759", p99}}, 760, 240, ""));
  d.set("rps_chart", line_chart("Requests/s by run", "/s", x, {{"requests/s", "#4e79a7", rps}}, 760, 240, ""));
  d.set("fail_chart", line_chart("Failure rate by run", " %", x, {{"failure rate", "#e15759", fails}}, 760, 240, ""));
  std::string html = tmpl.render(d);
  if (!tmpl.is_valid()) throw UsageError(fmt::format("template trend.mustache: {}", tmpl.error_message()));
  return html;
}

}  // namespace aria::reports
