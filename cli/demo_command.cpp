// `aria-harness demo`: the whole loop on the stand-in, on loopback only, in one process: stand-in,
// recorder in front of it with production-like traffic, a model synthesized from the recording
// beside the truth it came from, that model replayed twice (the second time with a slower LLM), and
// the report, compare and trend pages.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/parse.hpp"
#include "mock/server.hpp"
#include "model/builtin.hpp"
#include "model/json.hpp"
#include "model/synthesize.hpp"
#include "net/system.hpp"
#include "recorder/record.hpp"
#include "replayer/replay.hpp"
#include "reports/compare.hpp"
#include "reports/report.hpp"
#include "reports/trend.hpp"
#include "store/runs.hpp"

namespace aria::cli {
namespace {

constexpr int kSteps = 6;

void step(int n, const std::string& what) {
  std::printf("\n[%d/%d] %s\n", n, kSteps, what.c_str());
  std::fflush(stdout);
}

// The newest run in the store; the demo stops when the user stopped it (Ctrl-C).
store::RunListing last_run(const std::string& db) {
  store::Database d(db, store::Database::Options{.create = false});
  auto runs = store::list_runs(d);
  if (runs.empty()) throw RuntimeFailure("the replay stored no run");
  return runs.back();
}

void print_run(const store::RunListing& r) {
  std::printf("      run %lld: %lld requests, %lld failures, p95 %.0f ms, %.1f req/s, thresholds %s\n",
              static_cast<long long>(r.id), static_cast<long long>(r.requests), static_cast<long long>(r.failures),
              static_cast<double>(r.p95_us) / 1000, r.rps, r.verdict.value_or("-").c_str());
}

// The truth builtin:aria states, to read beside what was synthesized from its traffic.
void print_truth() {
  const auto& m = model::builtin_aria();
  double total = 0;
  for (const auto& c : m.classes) total += c.weight;
  std::printf("  The truth the traffic came from (builtin:aria):\n");
  for (const auto& c : m.classes) {
    double tasks = 0;
    for (const auto& t : c.tasks) tasks += t.weight;
    std::string top;
    for (std::size_t i = 0; i < c.tasks.size() && i < 3; ++i)
      top += fmt::format("{}{} {} {:.0f} %", i ? ", " : "", c.tasks[i].steps[0].method, c.tasks[i].steps[0].stats_name(),
                         100 * c.tasks[i].weight / tasks);
    std::printf("    %-14s weight %.3f  think %.1f-%.1f s (median %.1f s)  tasks %s%s\n", c.name.c_str(),
                c.weight / total, c.think.min_s, c.think.max_s, (c.think.min_s + c.think.max_s) / 2, top.c_str(),
                c.tasks.size() > 3 ? ", ..." : "");
  }
}

}  // namespace

Runner add_demo_command(CLI::App& app) {
  struct Flags {
    std::string llm_latency = "150ms", slow_llm_latency = "600ms";
    std::string run_time = "30s";
    std::uint64_t users = 50, record_users = 20;
    std::string out = "demo-out";
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "demo",
      "Walk the whole loop on the stand-in Aria, on 127.0.0.1 only, in about three minutes:\n"
      "  1. start the stand-in on a free port;\n"
      "  2. put the recorder in front of it and drive builtin:aria through it (--record-users, --run-time);\n"
      "  3. synthesize a model from that recording and print it beside the truth it came from;\n"
      "  4. replay the synthesized model at --users against the stand-in;\n"
      "  5. raise the stand-in's LLM latency (--slow-llm-latency) and replay it again;\n"
      "  6. write report.html (the second run), compare.html (second against first) and trend.html.\n"
      "Everything goes to --out: the store aria-harness.db, model.json and the three pages. Exit code 0 when the\n"
      "loop ran through (the slowdown showing as a regression is the point), 130 after Ctrl-C, which stops the\n"
      "step under way and leaves everything stored so far.");
  cmd->add_option("--users", f->users, "Users of the two replays of the synthesized model")->capture_default_str();
  cmd->add_option("--record-users", f->record_users, "Users driving builtin:aria through the recorder")
      ->capture_default_str();
  cmd->add_option("--run-time", f->run_time, "Length of the recording and of each replay")->capture_default_str();
  cmd->add_option("--out", f->out, "Folder for the store, the model and the pages (created when missing)")
      ->capture_default_str();
  cmd->add_option("--llm-latency", f->llm_latency, "Mock-LLM median latency of the stand-in")->capture_default_str();
  cmd->add_option("--slow-llm-latency", f->slow_llm_latency, "The same for the second replay")->capture_default_str();

  return [f]() -> int {
    const auto run_time = parse_duration(f->run_time, "--run-time");
    if (run_time < std::chrono::seconds(2)) throw UsageError("--run-time must be at least 2s");
    if (f->users == 0 || f->record_users == 0) throw UsageError("--users and --record-users must be at least 1");
    mock::Options mo;
    mo.listen = {"127.0.0.1", 0};
    mo.llm.median = parse_duration(f->llm_latency, "--llm-latency");
    mo.quiet = true;
    const auto slow = parse_duration(f->slow_llm_latency, "--slow-llm-latency");
    std::filesystem::create_directories(f->out);
    const auto out = std::filesystem::path(f->out);
    const std::string db = (out / "aria-harness.db").string();
    // Ctrl-C is taken by the replay under way (which stores its run as aborted), not by a server thread.
    net::block_stop_signals();

    step(1, "starting the stand-in Aria on a free 127.0.0.1 port");
    auto server = std::make_unique<mock::Server>(mo);
    server->start();
    const auto port = server->port();
    std::printf("      serving %s (%u threads, mock LLM %s)\n", server->url().c_str(), server->threads(),
                f->llm_latency.c_str());

    step(2, fmt::format("recording: the recorder in front of it, builtin:aria at {} users for {} through it",
                        f->record_users, format_duration(run_time)));
    recorder::RecordOptions rec;
    rec.db_path = db;
    rec.upstream = server->url();
    rec.listen = "127.0.0.1:0";
    rec.label = "demo";
    rec.quiet = true;
    recorder::Recording recording(rec);
    std::printf("      recording %lld: clients go to %s, which forwards to %s\n", static_cast<long long>(recording.id()),
                recording.url().c_str(), server->url().c_str());
    replayer::ReplayOptions drive;
    drive.db_path = (out / "drive.db").string();  // the driver's own runs stay out of the demo's store
    drive.host = recording.url();
    drive.users = f->record_users;
    drive.spawn_rate = static_cast<double>(f->record_users);
    drive.run_time = run_time;
    drive.label = "demo-drive";
    drive.thresholds = {"fail_rate<100%"};
    drive.live_only = true;
    replayer::replay(drive);
    const auto recorded = recording.stop();
    std::printf("      recorded %llu exchanges from %llu visitors, %.1f MB of bodies, %llu dropped\n",
                static_cast<unsigned long long>(recorded.exchanges), static_cast<unsigned long long>(recorded.visitors),
                static_cast<double>(recorded.bytes) / 1e6, static_cast<unsigned long long>(recorded.dropped));
    {
      store::Database d(drive.db_path, store::Database::Options{.create = false});
      if (store::list_runs(d).back().status == "aborted") return 130;
    }

    step(3, "synthesizing a model from the recording");
    std::int64_t model_id = 0;
    {
      store::Database d(db, store::Database::Options{.create = false});
      model::SynthesisOptions so;
      so.name = "demo-synthesized";
      so.description = fmt::format("Synthesized by aria-harness demo from recording {}", recording.id());
      auto synthesis = model::synthesize_from_store(d, {recording.id()}, so);
      const auto text = model::to_json(synthesis.model);
      write_file_atomically((out / "model.json").string(), text, "model file");
      store::ModelRow row;
      row.name = synthesis.model.name;
      row.source = "synthesized";
      row.recording_ids = fmt::format("[{}]", recording.id());
      row.body = text;
      model_id = store::upsert_model(d, row);
      std::fputs(model::format_summary(synthesis.summary).c_str(), stdout);
    }
    std::printf("\n");
    print_truth();
    std::printf("      the model: %s (model %lld in the store)\n", (out / "model.json").string().c_str(),
                static_cast<long long>(model_id));

    replayer::ReplayOptions ro;
    ro.db_path = db;
    ro.host = server->url();
    ro.model = std::to_string(model_id);
    ro.users = f->users;
    ro.spawn_rate = std::max(5.0, static_cast<double>(f->users) / 2.0);
    ro.run_time = run_time;
    ro.label = "demo";
    ro.thresholds = {"p95<500ms", "fail_rate<1%"};
    ro.progress_every = std::chrono::seconds(5);
    ro.live_only = true;

    step(4, fmt::format("replaying the synthesized model at {} users for {}", f->users, format_duration(run_time)));
    replayer::replay(ro);
    const auto first = last_run(db);
    print_run(first);
    if (first.status == "aborted") return 130;

    step(5, fmt::format("raising the stand-in's LLM latency to {} and replaying again", f->slow_llm_latency));
    server->stop();
    mo.listen = {"127.0.0.1", port};  // the same address, so the two runs have the same target
    mo.llm.median = slow;
    server = std::make_unique<mock::Server>(mo);
    server->start();
    replayer::replay(ro);
    const auto second = last_run(db);
    print_run(second);
    server->stop();
    if (second.status == "aborted") return 130;

    step(6, "writing the pages");
    store::Database d(db, store::Database::Options{.create = false});
    const auto report = (out / "report.html").string(), compare = (out / "compare.html").string(),
               trend = (out / "trend.html").string();
    write_file_atomically(report, reports::render_run_report(d, second.id, {}), "report");
    const auto comparison = reports::compare_runs(d, first.id, second.id, {});
    write_file_atomically(compare, reports::render_comparison(comparison, {}), "page");
    reports::TrendOptions to;
    to.label = "demo";
    write_file_atomically(trend, reports::render_trend(reports::trend_points(d, to), to, {}), "page");
    std::printf("      %s  (run %lld)\n      %s  (run %lld against run %lld)\n      %s  (the runs labelled demo)\n",
                report.c_str(), static_cast<long long>(second.id), compare.c_str(), static_cast<long long>(second.id),
                static_cast<long long>(first.id), trend.c_str());
    if (comparison.regression)
      fmt::print("\nVerdict: REGRESSION (run {} against run {}): the slower LLM shows, as it should.\n", second.id,
                 first.id);
    else
      fmt::print("\nVerdict: no regression: the slower LLM did not show (a shorter --run-time has fewer samples).\n");
    std::printf("The store: %s. Open it with\n  sqlite3 %s 'SELECT id, label, status, verdict FROM runs'\n"
                "  sqlite3 %s 'SELECT id, exchanges, visitor_rule FROM recordings'\n"
                "Each step by hand against your own Aria: see the README's tutorial.\n",
                db.c_str(), db.c_str(), db.c_str());
    return kExitOk;
  };
}

}  // namespace aria::cli
