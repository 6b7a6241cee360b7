#include "reports/report.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "replayer/histogram.hpp"
#include "replayer/thresholds.hpp"
#include "reports/page.hpp"
#include "reports/svg.hpp"
#include "store/runs.hpp"

namespace aria::reports {
namespace embedded {
extern const std::string_view report;   // reports/templates/report.mustache
extern const std::string_view compare;  // reports/templates/compare.mustache
extern const std::string_view trend;    // reports/templates/trend.mustache
extern const std::string_view style;    // reports/templates/style.mustache
}  // namespace embedded

namespace json = boost::json;
using Data = kainjow::mustache::data;
using Mustache = kainjow::mustache::mustache;

namespace {

std::string ms(double us) {
  if (us >= 10'000) return fmt::format("{:.0f} ms", us / 1000);
  return fmt::format("{:.1f} ms", us / 1000);
}

std::string percent(double fraction) { return fmt::format("{:.2f} %", fraction * 100); }

std::string count(std::int64_t n) {
  auto digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string seconds(double s) {
  if (s < 120) return fmt::format("{:.1f} s", s);
  return fmt::format("{}m {:02}s", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
}

double fail_rate(std::int64_t requests, std::int64_t failures) {
  return requests > 0 ? static_cast<double>(failures) / static_cast<double>(requests) : 0;
}

// The response-time distribution in about 30 log-spaced bins from the histogram's buckets.
std::string distribution_chart(const std::string& serialized) {
  std::vector<std::string> labels;
  std::vector<double> values;
  if (!serialized.empty()) {
    replayer::Histogram h;
    try {
      h = replayer::Histogram::deserialize(serialized);
    } catch (const std::exception&) {
      return bar_chart("Response-time distribution (the stored histogram is unreadable)", {}, {}, "#4e79a7");
    }
    const auto buckets = h.bucket_counts();
    if (!buckets.empty()) {
      // Bin edges: 1-2-5 steps from the smallest value's decade.
      std::vector<double> edges;
      double decade = std::pow(10.0, std::floor(std::log10(static_cast<double>(std::max<std::int64_t>(buckets.front().first, 1)))));
      while (edges.empty() || edges.back() <= static_cast<double>(buckets.back().first)) {
        for (double m : {1.0, 2.0, 5.0}) edges.push_back(m * decade);
        decade *= 10;
      }
      std::vector<double> counts(edges.size() - 1, 0);
      for (const auto& [lo, n] : buckets) {
        auto it = std::upper_bound(edges.begin(), edges.end(), static_cast<double>(lo));
        auto bin = static_cast<std::size_t>(std::max<std::ptrdiff_t>(it - edges.begin() - 1, 0));
        counts[std::min(bin, counts.size() - 1)] += static_cast<double>(n);
      }
      // Trim empty bins at both ends.
      std::size_t first = 0, last = counts.size();
      while (first < last && counts[first] == 0) ++first;
      while (last > first && counts[last - 1] == 0) --last;
      for (std::size_t i = first; i < last; ++i) {
        labels.push_back((edges[i] < 1000 ? fmt::format("{:.0f} µs", edges[i]) : ms(edges[i])) + "+");
        values.push_back(counts[i]);
      }
    }
  }
  return bar_chart("Response-time distribution (requests per latency bin)", labels, values, "#4e79a7");
}

}  // namespace

kainjow::mustache::data page_data(const TemplateSource& templates) {
  kainjow::mustache::data d;
  const std::string style = template_text(templates, "style");
  d.set("style", kainjow::mustache::partial([style] { return style; }));
  return d;
}

std::string_view builtin_template(std::string_view name) {
  if (name == "report") return embedded::report;
  if (name == "compare") return embedded::compare;
  if (name == "trend") return embedded::trend;
  if (name == "style") return embedded::style;
  throw std::invalid_argument(fmt::format("no built-in template {}", name));
}

std::string template_text(const TemplateSource& source, std::string_view name) {
  if (!source.dir.empty()) {
    const auto path = std::filesystem::path(source.dir) / (std::string(name) + ".mustache");
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return read_text_file(path.string(), "template");
  }
  return std::string(builtin_template(name));
}

std::string render_run_report(const store::Database& db, std::int64_t run_id, const TemplateSource& templates) {
  auto loaded = store::load_run(db, run_id);
  if (!loaded) {
    std::string ids;
    for (const auto& r : store::list_runs(db)) ids += (ids.empty() ? "" : ", ") + std::to_string(r.id);
    throw UsageError(fmt::format("--run {}: no such run in {} ({}); `aria-harness runs --db {}` lists them", run_id,
                                 db.path(), ids.empty() ? "it has none" : "it has " + ids, db.path()));
  }
  const auto& run = *loaded;
  const auto& l = run.listing;
  Mustache tmpl(template_text(templates, "report"));
  if (!tmpl.is_valid())
    throw UsageError(fmt::format("template report.mustache: {}", tmpl.error_message()));

  Data d = page_data(templates);
  d.set("title", fmt::format("aria-harness run {}{}", l.id, l.label.empty() ? "" : " (" + l.label + ")"));
  Data r;
  r.set("id", std::to_string(l.id));
  r.set("label", l.label.empty() ? "(none)" : l.label);
  r.set("target", l.target);
  r.set("model", l.model_name);
  r.set("mode", l.mode);
  r.set("users", count(l.users));
  r.set("duration", seconds(l.duration_s));
  r.set("status", l.status);
  r.set("started_at", l.started_at);
  r.set("ended_at", l.ended_at.value_or("(still running)"));
  r.set("verdict", l.verdict.value_or("none"));
  r.set("verdict_class", l.verdict == "pass" ? "pass" : l.verdict == "fail" ? "fail" : "none");
  r.set("unreliable", l.unreliable ? Data::type::bool_true : Data::type::bool_false);
  r.set("unreliable_reason", run.unreliable_reason);
  d.set("run", r);

  // Thresholds, described as the replay printed them.
  Data thresholds{Data::type::list};
  boost::system::error_code ec;
  auto tv = json::parse(run.thresholds, ec);
  if (!ec && tv.is_array()) {
    for (const auto& t : tv.as_array()) {
      if (!t.is_object()) continue;
      const auto& o = t.as_object();
      Data item;
      replayer::ThresholdResult tr;
      const auto* text = o.if_contains("threshold");
      if (!text || !text->is_string()) continue;
      try {
        tr.threshold = replayer::parse_threshold(text->as_string());
      } catch (const std::exception&) {
        continue;
      }
      if (const auto* v = o.if_contains("observed"); v && v->is_number()) tr.observed = v->to_number<double>();
      if (const auto* p = o.if_contains("pass"); p && p->is_bool()) tr.pass = p->as_bool();
      item.set("text", tr.describe());
      item.set("class", tr.pass ? "pass" : "fail");
      thresholds.push_back(item);
    }
  }
  d.set("thresholds", thresholds);

  // Summary and per-endpoint table.
  Data endpoints{Data::type::list};
  for (const auto& s : run.stats) {
    const bool total = s.name == "Aggregated" && s.method.empty();
    Data row;
    row.set("method", s.method);
    row.set("name", total ? "Aggregated" : s.name);
    row.set("requests", count(s.requests));
    row.set("failures", count(s.failures));
    row.set("failure_rate", percent(fail_rate(s.requests, s.failures)));
    row.set("avg", ms(s.avg_us));
    row.set("p50", ms(static_cast<double>(s.p50_us)));
    row.set("p95", ms(static_cast<double>(s.p95_us)));
    row.set("p99", ms(static_cast<double>(s.p99_us)));
    row.set("max", ms(static_cast<double>(s.max_us)));
    row.set("rps", fmt::format("{:.1f}", s.rps));
    row.set("total", total ? Data::type::bool_true : Data::type::bool_false);
    if (total) {
      Data summary = row;
      summary.set("p95_intended", ms(static_cast<double>(s.p95_intended_us)));
      d.set("summary", summary);
      d.set("histogram_chart", distribution_chart(s.histogram));
    }
    endpoints.push_back(row);
  }
  d.set("endpoints", endpoints);
  d.set("has_requests", run.stats.empty() ? Data::type::bool_false : Data::type::bool_true);
  if (run.stats.empty()) d.set("histogram_chart", distribution_chart(""));

  // Charts over time.
  std::vector<double> x, rps, failures, p50, p95, users;
  for (const auto& s : run.series) {
    x.push_back(static_cast<double>(s.second));
    rps.push_back(static_cast<double>(s.requests));
    failures.push_back(static_cast<double>(s.failures));
    p50.push_back(static_cast<double>(s.p50_us) / 1000);
    p95.push_back(static_cast<double>(s.p95_us) / 1000);
    users.push_back(static_cast<double>(s.users));
  }
  d.set("rps_chart", line_chart("Requests and failures per second", "/s", x,
                                {{"requests/s", "#4e79a7", rps}, {"failures/s", "#e15759", failures}}));
  d.set("latency_chart",
        line_chart("Response time per second", " ms", x, {{"p50", "#59a14f", p50}, {"p95", "#f28e2b", p95}}));
  d.set("users_chart", line_chart("Users", "", x, {{"users", "#76b7b2", users}}));

  // Failures.
  Data fails{Data::type::list};
  for (const auto& f : run.failures) {
    Data item;
    item.set("method", f.method);
    item.set("name", f.name);
    item.set("kind", f.kind);
    item.set("message", f.message);
    item.set("occurrences", count(f.occurrences));
    fails.push_back(item);
  }
  d.set("failures", fails);
  d.set("has_failures", run.failures.empty() ? Data::type::bool_false : Data::type::bool_true);

  // Classes and tasks: the model's weights beside what ran.
  Data classes{Data::type::list};
  auto mv = json::parse(run.mix, ec);
  std::size_t class_count = 0;
  if (!ec && mv.is_array()) {
    std::int64_t all_users = 0;
    for (const auto& c : mv.as_array())
      if (c.is_object() && c.as_object().contains("users")) all_users += c.as_object().at("users").to_number<std::int64_t>();
    class_count = mv.as_array().size();
    constexpr std::size_t kShown = 50;  // a verbatim model has a class per session
    for (std::size_t i = 0; i < std::min(class_count, kShown); ++i) {
      const auto& c = mv.as_array()[i];
      if (!c.is_object()) continue;
      const auto& o = c.as_object();
      auto num = [&](const json::object& obj, std::string_view key) {
        const auto* v = obj.if_contains(key);
        return v && v->is_number() ? v->to_number<double>() : 0.0;
      };
      auto str = [&](const json::object& obj, std::string_view key) {
        const auto* v = obj.if_contains(key);
        return v && v->is_string() ? std::string(v->as_string()) : std::string();
      };
      Data item;
      item.set("name", str(o, "class"));
      item.set("weight", percent(num(o, "weight")));
      item.set("users", count(static_cast<std::int64_t>(num(o, "users"))));
      item.set("users_share", percent(all_users ? num(o, "users") / static_cast<double>(all_users) : 0));
      item.set("iterations", count(static_cast<std::int64_t>(num(o, "iterations"))));
      Data tasks{Data::type::list};
      double runs_total = 0;
      const auto* tv2 = o.if_contains("tasks");
      if (tv2 && tv2->is_array())
        for (const auto& t : tv2->as_array())
          if (t.is_object()) runs_total += num(t.as_object(), "runs");
      if (tv2 && tv2->is_array())
        for (const auto& t : tv2->as_array()) {
          if (!t.is_object()) continue;
          Data task;
          task.set("name", str(t.as_object(), "name"));
          task.set("weight", percent(num(t.as_object(), "weight")));
          task.set("runs", count(static_cast<std::int64_t>(num(t.as_object(), "runs"))));
          task.set("share", percent(runs_total > 0 ? num(t.as_object(), "runs") / runs_total : 0));
          tasks.push_back(task);
        }
      item.set("tasks", tasks);
      classes.push_back(item);
    }
    if (class_count > kShown)
      d.set("classes_more", fmt::format("... and {} more classes (one per recorded session)", count(static_cast<std::int64_t>(class_count - kShown))));
  }
  d.set("classes", classes);
  d.set("has_classes", class_count ? Data::type::bool_true : Data::type::bool_false);

  std::string html = tmpl.render(d);
  if (!tmpl.is_valid()) throw UsageError(fmt::format("template report.mustache: {}", tmpl.error_message()));
  return html;
}

}  // namespace aria::reports
