// `aria-harness replay` and `aria-harness runs`.
#include <memory>

#include "cli/commands.hpp"
#include "core/env_file.hpp"
#include "core/errors.hpp"
#include "core/parse.hpp"
#include "replayer/replay.hpp"

namespace aria::cli {

Runner add_replay_command(CLI::App& app) {
  struct Flags {
    replayer::ReplayOptions o;
    std::string mode = "users", run_time = "120s", timeout = "30s", progress = "5s", env_file;
    CLI::App* cmd = nullptr;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "replay",
      "Drive a user model against a target and store the run. Virtual users take classes by weight, run\n"
      "on_start, then loop: a task by weight, its steps, a think time; on_stop when the run ends. The live\n"
      "line shows users, req/s, p50, p95 and failures; the end shows the seed's summary and the thresholds.\n"
      "Exit code 1 when a threshold fails. Ctrl-C ends the run early; it is stored as aborted.");
  f->cmd = cmd;
  auto& o = f->o;
  cmd->add_option("--db", o.db_path, "SQLite store the run is kept in (created when missing)")->required();
  cmd->add_option("--host", o.host, "Base URL of the target, e.g. http://127.0.0.1:5000 or https://aria.internal")
      ->required();
  cmd->add_option("--ca-file", o.ca_file, "https target: also trust the certificates in this PEM file");
  cmd->add_flag("--insecure", o.insecure, "https target: do not verify its certificate (testing only)");
  cmd->add_option("--model", o.model, "builtin:aria, a model file, or the id of a model in the store")
      ->capture_default_str();
  cmd->add_option("--users,-u", o.users, "Concurrent users (arrival mode: the most users at once; verbatim mode: one per recorded session "
                  "unless given, more clone the sessions with fresh ids)")
      ->capture_default_str();
  cmd->add_option("--spawn-rate,-r", o.spawn_rate, "Users started per second")->capture_default_str();
  cmd->add_option("--run-time,-t", f->run_time, "How long to run, e.g. 30s, 2m (verbatim mode: until every session has ended unless given)")->capture_default_str();
  cmd->add_option("--mode", f->mode,
                  "users: closed model, each user waits for its responses; arrival: open model, --rate task "
                  "iterations start every second whatever the response times; verbatim: the recorded sessions of a "
                  "verbatim model (synthesize --verbatim) as they happened, the default for such a model")
      ->check(CLI::IsMember({"users", "arrival", "verbatim"}))
      ->capture_default_str();
  cmd->add_option("--rate", o.rate, "Arrival mode: task iterations started per second");
  cmd->add_option("--speed", o.speed,
                  "Verbatim mode: play the recording this many times faster (its start times and gaps divided by N)")
      ->capture_default_str();
  cmd->add_option("--timeout", f->timeout, "Per-request timeout")->capture_default_str();
  cmd->add_option("--threshold", o.thresholds,
                  "Pass/fail criterion, repeatable: p95<500ms, p99<1s, avg<200ms, fail_rate<1%, rps>100, "
                  "/api/chat:p95<800ms. Default: the seed's p95<500ms, fail_rate<1%, rps>100");
  cmd->add_option("--csv", o.csv_prefix, "Write PREFIX_stats.csv, PREFIX_stats_history.csv, PREFIX_failures.csv "
                                          "with Locust's columns");
  cmd->add_option("--html", o.html_path, "Also write the run's HTML report to this file (as `aria-harness report`)");
  cmd->add_option("--junit", o.junit_path, "Also write the thresholds as JUnit XML, one test case each, for CI");
  cmd->add_option("--label", o.label, "Label of the run, to group runs over time");
  cmd->add_option("--threads", o.threads, "Generator threads (0: one per core)")->capture_default_str();
  cmd->add_option("--progress", f->progress, "Interval of the live line")->capture_default_str();
  cmd->add_flag("--quiet", o.quiet, "No live line and no summary");
  cmd->add_option("--env-file", f->env_file,
                  "NAME=value lines for the model's {env.NAME} placeholders (such as the API key a synthesized "
                  "model asks for); the process environment wins over the file");

  return [f] {
    if (!f->env_file.empty()) load_env_file(f->env_file);
    auto options = f->o;
    options.mode = f->mode == "arrival"    ? replayer::Mode::arrival
                   : f->mode == "verbatim" ? replayer::Mode::verbatim
                                           : replayer::Mode::users;
    // A verbatim model runs one user per recorded session until they all end, unless told otherwise.
    options.users_given = f->cmd->count("--users") > 0;
    options.run_time_given = f->cmd->count("--run-time") > 0;
    options.run_time = parse_duration(f->run_time, "--run-time");
    options.timeout = parse_duration(f->timeout, "--timeout");
    options.progress_every =
        std::chrono::duration_cast<std::chrono::milliseconds>(parse_duration(f->progress, "--progress"));
    if (options.progress_every.count() <= 0) throw UsageError("--progress must be more than 0");
    return replayer::replay(options);
  };
}

Runner add_runs_command(CLI::App& app) {
  struct Flags {
    std::string db;
    bool json = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand("runs", "List the runs in a store: status, verdict, requests, failure rate, p95, RPS.");
  cmd->add_option("--db", f->db, "SQLite store")->required();
  cmd->add_flag("--json", f->json, "Print JSON instead of a table");
  return [f] { return replayer::list_runs(f->db, f->json); };
}

}  // namespace aria::cli
