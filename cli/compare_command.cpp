// `aria-harness compare` and `aria-harness trend`: runs side by side, and a label's runs over time.
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/parse.hpp"
#include "reports/compare.hpp"
#include "reports/junit.hpp"
#include "reports/trend.hpp"

namespace aria::cli {
namespace {

struct Tolerances {
  std::string latency = "5%", rps = "5%", fail_rate = "0.5%", confidence = "95%", floor = "1ms";
  void add_to(CLI::App* cmd) {
    cmd->add_option("--latency-tolerance", latency, "A p50/p95/p99 change smaller than this is the same")
        ->capture_default_str();
    cmd->add_option("--rps-tolerance", rps, "A requests/s change smaller than this is the same")->capture_default_str();
    cmd->add_option("--fail-rate-tolerance", fail_rate,
                    "A failure-rate change smaller than this many percentage points is the same")
        ->capture_default_str();
    cmd->add_option("--confidence", confidence, "Confidence of the intervals that tell a change from noise")
        ->capture_default_str();
    cmd->add_option("--latency-floor", floor, "A latency change smaller than this is the same, whatever its share")
        ->capture_default_str();
  }
  reports::CompareOptions options() const {
    reports::CompareOptions o;
    o.latency_tolerance = parse_fraction(latency, "--latency-tolerance");
    o.rps_tolerance = parse_fraction(rps, "--rps-tolerance");
    o.fail_rate_tolerance = parse_fraction(fail_rate, "--fail-rate-tolerance");
    o.confidence = parse_fraction(confidence, "--confidence");
    o.latency_floor_ms = static_cast<double>(parse_duration(floor, "--latency-floor").count()) / 1000;
    if (o.confidence < 0.5 || o.confidence >= 1) throw UsageError("--confidence must be from 50% to below 100%");
    return o;
  }
};

}  // namespace

Runner add_compare_command(CLI::App& app) {
  struct Flags {
    std::string db_path, out_path, junit_path, templates;
    std::int64_t base = 0, run = 0;
    bool json = false;
    Tolerances tolerances;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "compare",
      "Compare RUN with BASE, per endpoint and in total: p50, p95, p99, requests/s and failure rate. A change is\n"
      "better or worse only when it lies outside both runs' confidence intervals (percentiles from the stored\n"
      "histograms, Poisson intervals for requests/s, a two-proportion test for the failure rate) and beyond its\n"
      "tolerance; otherwise it is the same. Exit code 1 when anything got worse (a regression), so a CI job can\n"
      "gate on it; 0 otherwise.");
  cmd->add_option("--db", f->db_path, "SQLite store holding both runs")->required();
  cmd->add_option("BASE", f->base, "The run to compare against (the baseline)")->required();
  cmd->add_option("RUN", f->run, "The run compared")->required();
  cmd->add_option("-o,--output", f->out_path, "Also write the comparison as a self-contained HTML page");
  cmd->add_flag("--json", f->json, "Print JSON instead of text");
  cmd->add_option("--junit", f->junit_path, "Also write JUnit XML: a test case per endpoint and metric");
  cmd->add_option("--templates", f->templates, "Folder with your own compare.mustache and style.mustache");
  f->tolerances.add_to(cmd);
  return [f] {
    const auto options = f->tolerances.options();
    require_store(f->db_path, "replay");
    require_folder_of("-o", f->out_path);
    require_folder_of("--junit", f->junit_path);
    store::Database db(f->db_path, store::Database::Options{.create = false});
    const auto c = reports::compare_runs(db, f->base, f->run, options);
    if (!f->out_path.empty()) write_file_atomically(f->out_path, reports::render_comparison(c, {f->templates}), "page");
    if (!f->junit_path.empty()) {
      std::vector<reports::JUnitCase> cases;
      for (const auto& e : c.endpoints)
        for (const auto& m : e.metrics)
          cases.push_back({fmt::format("aria-harness.compare.{} {}", e.method, e.name), m.metric,
                           m.verdict == reports::Verdict::worse
                               ? std::optional<std::string>(fmt::format("{} got worse: {}", m.metric, m.why))
                               : std::nullopt});
      write_file_atomically(f->junit_path, reports::junit_xml("aria-harness compare", cases), "JUnit file");
    }
    std::fputs((f->json ? reports::comparison_json(c) : reports::comparison_text(c)).c_str(), stdout);
    return c.regression ? kExitThresholdFailed : kExitOk;
  };
}

Runner add_trend_command(CLI::App& app) {
  struct Flags {
    std::string db_path, out_path, label, templates;
    std::size_t last = 30;
    bool quiet = false;
    Tolerances tolerances;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "trend",
      "A label's completed runs over time as a self-contained HTML page: p95, p99, requests/s and failure rate\n"
      "run by run, each run compared with the one before it as `compare` does (in total), regressions marked.");
  cmd->add_option("--db", f->db_path, "SQLite store holding the runs")->required();
  cmd->add_option("--label", f->label, "Only the runs with this label (replay --label); default: every run");
  cmd->add_option("--last", f->last, "The newest N runs")->capture_default_str()->check(CLI::PositiveNumber);
  cmd->add_option("-o,--output", f->out_path, "The HTML file to write")->required();
  cmd->add_option("--templates", f->templates, "Folder with your own trend.mustache and style.mustache");
  cmd->add_flag("--quiet", f->quiet, "Print nothing but errors");
  f->tolerances.add_to(cmd);
  return [f, cmd] {
    reports::TrendOptions o;
    if (cmd->count("--label")) o.label = f->label;
    o.last = f->last;
    o.compare = f->tolerances.options();
    require_store(f->db_path, "replay");
    require_folder_of("-o", f->out_path);
    store::Database db(f->db_path, store::Database::Options{.create = false});
    const auto points = reports::trend_points(db, o);
    write_file_atomically(f->out_path, reports::render_trend(points, o, {f->templates}), "page");
    if (!f->quiet) {
      std::size_t regressions = 0;
      for (const auto& p : points) regressions += p.regression ? 1 : 0;
      std::printf("aria-harness trend: %zu runs to %s; %zu regression(s) against the run before\n", points.size(),
                  f->out_path.c_str(), regressions);
    }
    return kExitOk;
  };
}

}  // namespace aria::cli
