#include "reports/compare.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <kainjow/mustache.hpp>

#include "core/errors.hpp"
#include "replayer/histogram.hpp"
#include "reports/page.hpp"
#include "reports/report.hpp"

namespace aria::reports {
namespace json = boost::json;

namespace {

// z with P(|Z| <= z) = confidence, by bisection on erfc.
double z_for(double confidence) {
  const double tail = 1 - std::clamp(confidence, 0.5, 0.999999);
  double lo = 0, hi = 10;
  for (int i = 0; i < 100; ++i) {
    const double mid = (lo + hi) / 2;
    (std::erfc(mid / std::sqrt(2.0)) > tail ? lo : hi) = mid;
  }
  return (lo + hi) / 2;
}

Verdict worst(Verdict a, Verdict b) {
  auto rank = [](Verdict v) { return v == Verdict::worse ? 3 : v == Verdict::better ? 1 : v == Verdict::missing ? 2 : 0; };
  return rank(a) >= rank(b) ? a : b;
}

double relative(double base, double run) { return base != 0 ? (run - base) / base : 0; }

MetricChange latency(const char* metric, double q, const store::RunStatRow& b, const store::RunStatRow& r,
                     double base_value_us, double run_value_us, const CompareOptions& o) {
  MetricChange m;
  m.metric = metric;
  m.base = base_value_us / 1000;
  m.run = run_value_us / 1000;
  auto [blo, bhi] = percentile_interval(b.histogram, q, o.confidence);
  auto [rlo, rhi] = percentile_interval(r.histogram, q, o.confidence);
  m.base_lo = blo / 1000, m.base_hi = bhi / 1000, m.run_lo = rlo / 1000, m.run_hi = rhi / 1000;
  m.change = m.run - m.base;
  m.relative = relative(m.base, m.run);
  const double tail = 1 - q;
  const bool judged = !b.histogram.empty() && !r.histogram.empty() &&
                      static_cast<double>(std::min(b.requests, r.requests)) * tail >= o.min_tail_requests &&
                      std::abs(m.change) >= o.latency_floor_ms;
  if (judged && m.run_lo > m.base_hi && m.relative > o.latency_tolerance) {
    m.verdict = Verdict::worse;
    m.why = fmt::format("{:+.1f} %, outside both {:.0f} % intervals", m.relative * 100, o.confidence * 100);
  } else if (judged && m.run_hi < m.base_lo && m.relative < -o.latency_tolerance) {
    m.verdict = Verdict::better;
    m.why = fmt::format("{:+.1f} %, outside both {:.0f} % intervals", m.relative * 100, o.confidence * 100);
  }
  return m;
}

MetricChange rps(const store::RunStatRow& b, const store::RunStatRow& r, double base_s, double run_s,
                 const CompareOptions& o, double z) {
  MetricChange m;
  m.metric = "rps";
  m.base = b.rps;
  m.run = r.rps;
  auto interval = [z](std::int64_t n, double seconds, double& lo, double& hi) {
    if (seconds <= 0) return;
    const double dn = static_cast<double>(n), sd = std::sqrt(dn);
    lo = std::max(0.0, dn - z * sd) / seconds;
    hi = (dn + z * sd) / seconds;
  };
  interval(b.requests, base_s, m.base_lo, m.base_hi);
  interval(r.requests, run_s, m.run_lo, m.run_hi);
  m.change = m.run - m.base;
  m.relative = relative(m.base, m.run);
  if (base_s > 0 && run_s > 0) {
    if (m.run_hi < m.base_lo && m.relative < -o.rps_tolerance) {
      m.verdict = Verdict::worse;
      m.why = fmt::format("{:+.1f} %, outside both intervals", m.relative * 100);
    } else if (m.run_lo > m.base_hi && m.relative > o.rps_tolerance) {
      m.verdict = Verdict::better;
      m.why = fmt::format("{:+.1f} %, outside both intervals", m.relative * 100);
    }
  }
  return m;
}

MetricChange fail_rate(const store::RunStatRow& b, const store::RunStatRow& r, const CompareOptions& o, double z) {
  MetricChange m;
  m.metric = "fail_rate";
  const double n1 = static_cast<double>(b.requests), n2 = static_cast<double>(r.requests);
  const double p1 = n1 > 0 ? static_cast<double>(b.failures) / n1 : 0;
  const double p2 = n2 > 0 ? static_cast<double>(r.failures) / n2 : 0;
  m.base = p1;
  m.run = p2;
  auto interval = [z](double p, double n, double& lo, double& hi) {
    const double half = n > 0 ? z * std::sqrt(p * (1 - p) / n) : 0;
    lo = std::max(0.0, p - half);
    hi = std::min(1.0, p + half);
  };
  interval(p1, n1, m.base_lo, m.base_hi);
  interval(p2, n2, m.run_lo, m.run_hi);
  m.change = p2 - p1;
  m.relative = relative(p1, p2);
  if (n1 > 0 && n2 > 0) {
    const double pooled = (static_cast<double>(b.failures) + static_cast<double>(r.failures)) / (n1 + n2);
    const double se = std::sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
    const double score = se > 0 ? m.change / se : 0;
    if (std::abs(score) > z && std::abs(m.change) > o.fail_rate_tolerance) {
      m.verdict = m.change > 0 ? Verdict::worse : Verdict::better;
      m.why = fmt::format("{:+.2f} percentage points, z = {:.1f}", m.change * 100, score);
    }
  }
  return m;
}

std::string key(const store::RunStatRow& s) { return s.method + " " + s.name; }

}  // namespace

const char* to_string(Verdict v) {
  switch (v) {
    case Verdict::better: return "better";
    case Verdict::same: return "same";
    case Verdict::worse: return "worse";
    case Verdict::missing: return "only in one run";
  }
  return "same";
}

std::pair<double, double> percentile_interval(const std::string& histogram, double q, double confidence) {
  if (histogram.empty()) return {0, 0};
  replayer::Histogram h;
  try {
    h = replayer::Histogram::deserialize(histogram);
  } catch (const std::exception&) {
    return {0, 0};
  }
  const double n = static_cast<double>(h.count());
  if (n == 0) return {0, 0};
  const double half = z_for(confidence) * std::sqrt(q * (1 - q) / n);
  return {static_cast<double>(h.percentile(std::max(0.0, q - half))),
          static_cast<double>(h.percentile(std::min(1.0, q + half)))};
}

Comparison compare_loaded(const store::RunRecord& base, const store::RunRecord& run, const CompareOptions& o) {
  Comparison c;
  c.base = base.listing;
  c.run = run.listing;
  const double z = z_for(o.confidence);
  std::map<std::string, const store::RunStatRow*> in_base;
  for (const auto& s : base.stats) in_base[key(s)] = &s;
  std::vector<std::string> order;
  std::map<std::string, const store::RunStatRow*> in_run;
  for (const auto& s : run.stats) {
    in_run[key(s)] = &s;
    order.push_back(key(s));
  }
  for (const auto& s : base.stats)
    if (!in_run.count(key(s))) order.push_back(key(s));
  // The total last.
  std::stable_partition(order.begin(), order.end(), [](const std::string& k) { return k != " Aggregated"; });
  for (const auto& k : order) {
    const auto* b = in_base.count(k) ? in_base[k] : nullptr;
    const auto* r = in_run.count(k) ? in_run[k] : nullptr;
    EndpointChange e;
    const auto* any = r ? r : b;
    e.method = any->method;
    e.name = any->name;
    e.base_requests = b ? b->requests : 0;
    e.run_requests = r ? r->requests : 0;
    if (!b || !r) {
      e.verdict = Verdict::missing;
      c.endpoints.push_back(std::move(e));
      continue;
    }
    e.metrics.push_back(latency("p50", 0.50, *b, *r, static_cast<double>(b->p50_us), static_cast<double>(r->p50_us), o));
    e.metrics.push_back(latency("p95", 0.95, *b, *r, static_cast<double>(b->p95_us), static_cast<double>(r->p95_us), o));
    e.metrics.push_back(latency("p99", 0.99, *b, *r, static_cast<double>(b->p99_us), static_cast<double>(r->p99_us), o));
    e.metrics.push_back(rps(*b, *r, base.listing.duration_s, run.listing.duration_s, o, z));
    e.metrics.push_back(fail_rate(*b, *r, o, z));
    e.verdict = Verdict::same;
    for (const auto& m : e.metrics) e.verdict = worst(e.verdict, m.verdict);
    if (e.verdict == Verdict::worse) c.regression = true;
    c.endpoints.push_back(std::move(e));
  }
  if (base.listing.model_name != run.listing.model_name)
    c.notes.push_back(fmt::format("the runs used different models ({} and {})", base.listing.model_name,
                                  run.listing.model_name));
  if (base.listing.target != run.listing.target)
    c.notes.push_back(fmt::format("the runs had different targets ({} and {})", base.listing.target, run.listing.target));
  if (base.listing.users != run.listing.users)
    c.notes.push_back(fmt::format("the runs had different users ({} and {})", base.listing.users, run.listing.users));
  for (const auto* l : {&base.listing, &run.listing})
    if (l->unreliable) c.notes.push_back(fmt::format("run {}'s generator saturated: its figures are suspect", l->id));
  return c;
}

Comparison compare_runs(const store::Database& db, std::int64_t base_id, std::int64_t run_id, const CompareOptions& o) {
  auto load = [&](std::int64_t id) {
    auto r = store::load_run(db, id);
    if (!r)
      throw UsageError(fmt::format("run {}: no such run in {}; `aria-harness runs --db {}` lists them", id, db.path(),
                                   db.path()));
    return *r;
  };
  return compare_loaded(load(base_id), load(run_id), o);
}

std::string comparison_json(const Comparison& c) {
  json::array rows;
  for (const auto& e : c.endpoints) {
    json::object metrics;
    for (const auto& m : e.metrics)
      metrics[m.metric] = json::object{{"base", m.base},         {"run", m.run},
                                       {"change", m.change},     {"relative", m.relative},
                                       {"base_interval", json::array{m.base_lo, m.base_hi}},
                                       {"run_interval", json::array{m.run_lo, m.run_hi}},
                                       {"verdict", to_string(m.verdict)}, {"why", m.why}};
    rows.push_back(json::object{{"method", e.method},
                                {"name", e.name},
                                {"base_requests", e.base_requests},
                                {"run_requests", e.run_requests},
                                {"verdict", to_string(e.verdict)},
                                {"metrics", std::move(metrics)}});
  }
  json::array notes;
  for (const auto& n : c.notes) notes.emplace_back(n);
  return json::serialize(json::object{{"base", c.base.id},
                                      {"run", c.run.id},
                                      {"regression", c.regression},
                                      {"units", json::object{{"p50", "ms"}, {"p95", "ms"}, {"p99", "ms"},
                                                             {"rps", "requests per second"},
                                                             {"fail_rate", "fraction"}}},
                                      {"endpoints", std::move(rows)},
                                      {"notes", std::move(notes)}}) +
         "\n";
}

namespace {
std::string value_text(const MetricChange& m, double v) {
  if (m.metric == "fail_rate") return fmt::format("{:.2f} %", v * 100);
  if (m.metric == "rps") return fmt::format("{:.1f}/s", v);
  return fmt::format("{:.1f} ms", v);
}
}  // namespace

std::string comparison_text(const Comparison& c) {
  std::string out = fmt::format("run {} against run {} (base)\n", c.run.id, c.base.id);
  for (const auto& e : c.endpoints) {
    const auto name = e.method.empty() ? e.name : e.method + " " + e.name;
    if (e.verdict == Verdict::missing) {
      out += fmt::format("  {:<44} only in run {}\n", name, e.run_requests ? c.run.id : c.base.id);
      continue;
    }
    out += fmt::format("  {:<44} {}\n", name, to_string(e.verdict));
    for (const auto& m : e.metrics)
      if (m.verdict == Verdict::worse || m.verdict == Verdict::better)
        out += fmt::format("    {:<9} {} -> {}  {} ({})\n", m.metric, value_text(m, m.base), value_text(m, m.run),
                           to_string(m.verdict), m.why);
  }
  for (const auto& n : c.notes) out += fmt::format("  note: {}\n", n);
  out += c.regression ? "verdict: REGRESSION\n" : "verdict: no regression\n";
  return out;
}

std::string render_comparison(const Comparison& c, const TemplateSource& templates) {
  using Data = kainjow::mustache::data;
  kainjow::mustache::mustache tmpl(template_text(templates, "compare"));
  if (!tmpl.is_valid()) throw UsageError(fmt::format("template compare.mustache: {}", tmpl.error_message()));
  Data d = page_data(templates);
  d.set("title", fmt::format("aria-harness: run {} against run {}", c.run.id, c.base.id));
  auto run_data = [](const store::RunListing& l) {
    Data r;
    r.set("id", std::to_string(l.id));
    r.set("label", l.label.empty() ? "(none)" : l.label);
    r.set("model", l.model_name);
    r.set("target", l.target);
    r.set("users", std::to_string(l.users));
    r.set("started_at", l.started_at);
    r.set("duration", fmt::format("{:.1f} s", l.duration_s));
    return r;
  };
  d.set("base", run_data(c.base));
  d.set("run", run_data(c.run));
  d.set("regression", c.regression ? Data::type::bool_true : Data::type::bool_false);
  Data rows{Data::type::list};
  for (const auto& e : c.endpoints) {
    Data row;
    row.set("method", e.method);
    row.set("name", e.name);
    row.set("verdict", to_string(e.verdict));
    row.set("verdict_class", e.verdict == Verdict::worse ? "fail" : e.verdict == Verdict::better ? "pass" : "none");
    row.set("total", e.name == "Aggregated" && e.method.empty() ? Data::type::bool_true : Data::type::bool_false);
    Data metrics{Data::type::list};
    for (const auto& m : e.metrics) {
      Data md;
      md.set("metric", m.metric);
      md.set("base", value_text(m, m.base));
      md.set("run", value_text(m, m.run));
      md.set("change", m.metric == "fail_rate" ? fmt::format("{:+.2f} pp", m.change * 100)
                                               : fmt::format("{:+.1f} %", m.relative * 100));
      md.set("base_interval", fmt::format("{} - {}", value_text(m, m.base_lo), value_text(m, m.base_hi)));
      md.set("run_interval", fmt::format("{} - {}", value_text(m, m.run_lo), value_text(m, m.run_hi)));
      md.set("verdict", to_string(m.verdict));
      md.set("verdict_class", m.verdict == Verdict::worse ? "fail" : m.verdict == Verdict::better ? "pass" : "none");
      md.set("why", m.why);
      metrics.push_back(md);
    }
    row.set("metrics", metrics);
    rows.push_back(row);
  }
  d.set("endpoints", rows);
  Data notes{Data::type::list};
  for (const auto& n : c.notes) notes.push_back(Data(n));
  d.set("notes", notes);
  std::string html = tmpl.render(d);
  if (!tmpl.is_valid()) throw UsageError(fmt::format("template compare.mustache: {}", tmpl.error_message()));
  return html;
}

}  // namespace aria::reports
