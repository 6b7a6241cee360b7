#include "replayer/thresholds.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/parse.hpp"

namespace aria::replayer {
namespace {

using Metric = Threshold::Metric;
using Op = Threshold::Op;

struct MetricName {
  std::string_view name;
  Metric metric;
};
// Longest spellings first, so "p999" is not read as "p99" followed by "9".
constexpr std::array kMetricNames{
    MetricName{"fail_rate", Metric::fail_rate}, MetricName{"requests", Metric::requests},
    MetricName{"p99.9", Metric::p999},          MetricName{"p999", Metric::p999},
    MetricName{"p50", Metric::p50},             MetricName{"p90", Metric::p90},
    MetricName{"p95", Metric::p95},             MetricName{"p99", Metric::p99},
    MetricName{"avg", Metric::avg},             MetricName{"min", Metric::min},
    MetricName{"max", Metric::max},             MetricName{"rps", Metric::rps},
};

constexpr std::string_view kForms =
    "use [ENDPOINT:]METRIC OP VALUE, where METRIC is p50, p90, p95, p99, p999 (or p99.9), avg, min or max "
    "(a time such as 500ms, 2s or 250us; a bare number is milliseconds), fail_rate (1% or 0.01), rps (100) "
    "or requests (1000), and OP is <, <=, > or >=; e.g. p95<500ms, fail_rate<1%, rps>100, /api/chat:p95<800ms";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool is_time(Metric m) {
  return m == Metric::avg || m == Metric::min || m == Metric::max || m == Metric::p50 || m == Metric::p90 ||
         m == Metric::p95 || m == Metric::p99 || m == Metric::p999;
}

// "p95<500ms" -> p95, rest "<500ms". A metric name must be followed by an operator (after
// optional spaces), so "p95x<1" or "maxi<1" are not metrics.
std::optional<std::pair<Metric, std::string_view>> match_metric(std::string_view s) {
  s = trim(s);
  for (const auto& m : kMetricNames) {
    if (!s.starts_with(m.name)) continue;
    auto rest = trim(s.substr(m.name.size()));
    if (!rest.empty() && (rest.front() == '<' || rest.front() == '>')) return std::pair{m.metric, rest};
  }
  return std::nullopt;
}

std::optional<double> parse_number(std::string_view s) {
  double v = 0;
  auto res = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || res.ec != std::errc{} || res.ptr != s.data() + s.size() || !std::isfinite(v) || v < 0)
    return std::nullopt;
  return v;
}

std::string trim_zeros(std::string s) {
  if (s.find('.') == std::string::npos) return s;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

std::string format_time(double us) {
  if (us < 1000) return fmt::format("{:.0f}us", us);
  if (us < 1e6) return trim_zeros(fmt::format("{:.1f}", us / 1e3)) + "ms";
  return trim_zeros(fmt::format("{:.2f}", us / 1e6)) + "s";
}

std::string_view metric_name(Metric m) {
  for (const auto& n : kMetricNames)
    if (n.metric == m) return n.name == "p99.9" ? std::string_view("p999") : n.name;
  return "?";
}

}  // namespace

Threshold parse_threshold(std::string_view text) {
  const auto s = trim(text);
  auto bad = [&](std::string_view why) {
    return UsageError(fmt::format("invalid threshold '{}': {}; {}", text, why, kForms));
  };

  Threshold t;
  t.text = std::string(s);
  // The endpoint is everything before the last ':' whose right side starts with a metric.
  std::optional<std::pair<Metric, std::string_view>> found;
  for (auto colon = s.rfind(':'); colon != std::string_view::npos; colon = colon ? s.rfind(':', colon - 1) : std::string_view::npos) {
    if ((found = match_metric(s.substr(colon + 1)))) {
      const auto endpoint = trim(s.substr(0, colon));
      if (endpoint.empty()) throw bad("the endpoint before ':' is empty");
      t.endpoint = std::string(endpoint);
      break;
    }
  }
  if (!found) found = match_metric(s);
  if (!found) throw bad("no known metric");
  t.metric = found->first;

  auto rest = found->second;
  if (rest.starts_with("<=")) t.op = Op::le, rest.remove_prefix(2);
  else if (rest.starts_with(">=")) t.op = Op::ge, rest.remove_prefix(2);
  else if (rest.starts_with("<")) t.op = Op::lt, rest.remove_prefix(1);
  else t.op = Op::gt, rest.remove_prefix(1);  // match_metric guarantees '<' or '>'
  const auto value = trim(rest);
  if (value.empty()) throw bad("the value is missing");

  if (is_time(t.metric)) {
    try {
      if (parse_number(value)) t.value = static_cast<double>(parse_duration(fmt::format("{}ms", value)).count());
      else t.value = static_cast<double>(parse_duration(value).count());
    } catch (const UsageError&) {
      throw bad(fmt::format("'{}' is not a time", value));
    }
  } else if (t.metric == Metric::fail_rate) {
    try {
      t.value = parse_fraction(value);
    } catch (const UsageError&) {
      throw bad(fmt::format("'{}' is not a fraction or percentage", value));
    }
  } else {
    auto number = value;
    if (t.metric == Metric::rps && number.ends_with("/s")) number = trim(number.substr(0, number.size() - 2));
    auto v = parse_number(number);
    if (!v) throw bad(fmt::format("'{}' is not a number", value));
    t.value = *v;
  }
  return t;
}

std::vector<Threshold> default_thresholds() {
  return {parse_threshold("p95<500ms"), parse_threshold("fail_rate<1%"), parse_threshold("rps>100")};
}

std::string ThresholdResult::describe() const {
  auto format_value = [&](double v) {
    if (is_time(threshold.metric)) return format_time(v);
    if (threshold.metric == Metric::fail_rate) return trim_zeros(fmt::format("{:.2f}", v * 100)) + "%";
    if (threshold.metric == Metric::rps) return fmt::format("{:.1f}/s", v);
    return fmt::format("{:.0f}", v);
  };
  auto text = threshold.text;
  if (text.empty()) {  // built in code rather than parsed
    static constexpr const char* kOps[] = {"<", "<=", ">", ">="};
    text = fmt::format("{}{}{}{}", threshold.endpoint ? *threshold.endpoint + ":" : "", metric_name(threshold.metric),
                       kOps[static_cast<int>(threshold.op)], format_value(threshold.value));
  }
  const std::string observed_text = observed ? format_value(*observed)
                                    : threshold.endpoint ? "nothing (the endpoint had no requests)"
                                                         : "nothing (no requests)";
  return fmt::format("{}  observed {}  {}", text, observed_text, pass ? "pass" : "FAIL");
}

std::vector<ThresholdResult> evaluate(const std::vector<Threshold>& thresholds, const Summary& summary) {
  std::vector<ThresholdResult> results;
  results.reserve(thresholds.size());
  for (const auto& t : thresholds) {
    ThresholdResult r;
    r.threshold = t;

    // The row the threshold is about: the aggregate, or every method of one endpoint merged.
    std::optional<EndpointStats> stats;
    if (!t.endpoint) {
      if (!summary.rows.empty()) stats = summary.total().stats;
    } else {
      const std::size_t endpoint_rows = summary.rows.empty() ? 0 : summary.rows.size() - 1;  // not the aggregate
      for (std::size_t i = 0; i < endpoint_rows; ++i) {
        if (summary.rows[i].key.name != *t.endpoint) continue;
        if (!stats) stats.emplace();
        stats->merge(summary.rows[i].stats);
      }
      if (!stats && *t.endpoint == "Aggregated" && !summary.rows.empty()) stats = summary.total().stats;
    }

    if (stats && (stats->requests > 0 || !is_time(t.metric))) {
      const auto& h = stats->actual;
      switch (t.metric) {
        case Metric::avg: r.observed = h.mean(); break;
        case Metric::min: r.observed = static_cast<double>(h.min()); break;
        case Metric::max: r.observed = static_cast<double>(h.max()); break;
        case Metric::p50: r.observed = static_cast<double>(h.percentile(0.50)); break;
        case Metric::p90: r.observed = static_cast<double>(h.percentile(0.90)); break;
        case Metric::p95: r.observed = static_cast<double>(h.percentile(0.95)); break;
        case Metric::p99: r.observed = static_cast<double>(h.percentile(0.99)); break;
        case Metric::p999: r.observed = static_cast<double>(h.percentile(0.999)); break;
        case Metric::fail_rate:
          r.observed = stats->requests ? static_cast<double>(stats->failures) / static_cast<double>(stats->requests) : 0.0;
          break;
        case Metric::rps:
          r.observed = summary.duration_s > 0 ? static_cast<double>(stats->requests) / summary.duration_s : 0.0;
          break;
        case Metric::requests: r.observed = static_cast<double>(stats->requests); break;
      }
    }

    if (r.observed) {
      const double o = *r.observed;
      switch (t.op) {
        case Op::lt: r.pass = o < t.value; break;
        case Op::le: r.pass = o <= t.value; break;
        case Op::gt: r.pass = o > t.value; break;
        case Op::ge: r.pass = o >= t.value; break;
      }
    }
    results.push_back(std::move(r));
  }
  return results;
}

}  // namespace aria::replayer
