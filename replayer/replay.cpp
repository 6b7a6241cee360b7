#include "replayer/replay.hpp"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/parse.hpp"
#include "model/json.hpp"
#include "reports/junit.hpp"
#include "reports/report.hpp"
#include "net/system.hpp"
#include "replayer/locust_csv.hpp"
#include "replayer/thresholds.hpp"
#include "store/database.hpp"
#include "store/runs.hpp"

namespace aria::replayer {
namespace json = boost::json;

namespace {

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::users: return "users";
    case Mode::arrival: return "arrival";
    case Mode::verbatim: return "verbatim";
  }
  return "users";
}

std::string ms(std::int64_t us) { return fmt::format("{:.0f}ms", static_cast<double>(us) / 1000.0); }

// The model stored under id `spec`.
model::Model model_from_store(const std::string& spec, const store::Database& db, std::string& source) {
  auto row = store::find_model(db, std::stoll(spec));
  if (!row)
    throw UsageError(fmt::format("--model {}: no model with that id in {}; list them with sqlite3 {} 'SELECT id, "
                                 "name FROM models'",
                                 spec, db.path(), db.path()));
  source = row->source;
  return model::parse_model(row->body, fmt::format("model #{} of {}", spec, db.path()));
}

// builtin:NAME or a file.
model::Model load_model_spec(const std::string& spec, std::string& source) {
  source = spec.starts_with("builtin:") ? "builtin" : "file";
  return model::load_model(spec);
}

// Each user holds a connection: make sure the process may open that many.
void raise_files_for(std::uint64_t users) {
  auto limit = net::raise_open_files_limit(users + 1024);
  if (limit < users + 64)
    throw UsageError(fmt::format("--users {} needs as many open files, and this process may open {}; raise the "
                                 "limit (ulimit -n, or LimitNOFILE for a service) or use fewer users",
                                 users, limit));
}

std::string host_info_json(unsigned threads) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  return json::serialize(json::object{{"hostname", host},
                                      {"cores", std::thread::hardware_concurrency()},
                                      {"threads", threads},
                                      {"tool", "aria-harness 0.1.0"}});
}

std::string config_json(const ReplayOptions& o) {
  json::array thresholds;
  for (const auto& t : o.thresholds) thresholds.emplace_back(t);
  return json::serialize(json::object{{"host", o.host},
                                      {"model", o.model},
                                      {"mode", mode_name(o.mode)},
                                      {"users", o.users},
                                      {"spawn_rate", o.spawn_rate},
                                      {"rate", o.rate},
                                      {"run_time_s", std::chrono::duration<double>(o.run_time).count()},
                                      {"timeout_s", std::chrono::duration<double>(o.timeout).count()},
                                      {"threads", o.threads},
                                      {"thresholds", thresholds},
                                      {"label", o.label}});
}

// Waits for SIGINT/SIGTERM while the run lasts and turns the first into an abort.
class AbortOnSignal {
 public:
  explicit AbortOnSignal(Engine& engine) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before the engine starts its threads
    thread_ = std::thread([this, &engine, set] {
      timespec tick{0, 100'000'000};
      while (!done_.load()) {
        int sig = sigtimedwait(&set, nullptr, &tick);
        if (sig == SIGINT || sig == SIGTERM) {
          signal_ = sig;
          engine.abort();
          std::fprintf(stderr,
                       "\naria-harness: %s received: stopping the run (it is stored as aborted); "
                       "press Ctrl-C again to quit at once\n",
                       sig == SIGINT ? "SIGINT" : "SIGTERM");
          // A second signal lands on this thread, unblocked, and ends the process.
          signal(SIGINT, SIG_DFL);
          signal(SIGTERM, SIG_DFL);
          pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
          while (!done_.load()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
          return;
        }
      }
    });
  }
  ~AbortOnSignal() {
    done_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> done_{false};
  std::atomic<int> signal_{0};
  std::thread thread_;
};

store::RunStatRow stat_row(const SummaryRow& r) {
  store::RunStatRow s;
  s.name = r.key.name;
  s.method = r.key.method;
  s.requests = static_cast<std::int64_t>(r.stats.requests);
  s.failures = static_cast<std::int64_t>(r.stats.failures);
  s.bytes = static_cast<std::int64_t>(r.stats.bytes);
  s.rps = r.rps;
  const auto& a = r.stats.actual;
  s.min_us = a.min();
  s.avg_us = a.mean();
  s.p50_us = a.percentile(0.5);
  s.p90_us = a.percentile(0.9);
  s.p95_us = a.percentile(0.95);
  s.p99_us = a.percentile(0.99);
  s.p999_us = a.percentile(0.999);
  s.max_us = a.max();
  const auto& i = r.stats.intended;
  s.p50_intended_us = i.percentile(0.5);
  s.p95_intended_us = i.percentile(0.95);
  s.p99_intended_us = i.percentile(0.99);
  s.max_intended_us = i.max();
  s.histogram = a.serialize();
  s.histogram_intended = i.serialize();
  return s;
}

void print_classes(const EngineResult& r, const Plan& plan) {
  std::printf("\nUser classes (model weight -> users started, task iterations):\n");
  double weight_sum = 0;
  for (const auto& c : plan.classes) weight_sum += c.weight;
  std::uint64_t users_sum = 0;
  for (const auto& c : r.classes) users_sum += c.users;
  for (std::size_t i = 0; i < r.classes.size(); ++i) {
    const auto& c = r.classes[i];
    std::printf("  %-20s weight %5.1f%%  users %5llu (%5.1f%%)  iterations %llu\n", c.name.c_str(),
                100.0 * plan.classes[i].weight / weight_sum, static_cast<unsigned long long>(c.users),
                users_sum ? 100.0 * static_cast<double>(c.users) / static_cast<double>(users_sum) : 0.0,
                static_cast<unsigned long long>(c.iterations));
  }
}

void print_results(const Summary& summary, const std::vector<ThresholdResult>& verdicts, const EngineResult& r) {
  const auto& t = summary.total();
  const std::string rule(60, '=');
  std::printf("\n%s\n  LOAD TEST RESULTS\n%s\n", rule.c_str(), rule.c_str());
  std::printf("  Total requests: %llu\n", static_cast<unsigned long long>(t.stats.requests));
  std::printf("  Failures: %llu\n", static_cast<unsigned long long>(t.stats.failures));
  std::printf("  Failure rate: %.1f%%\n", t.fail_rate() * 100);
  std::printf("  Avg response time: %.0fms\n", t.stats.actual.mean() / 1000.0);
  std::printf("  p95 response time: %.0fms\n", static_cast<double>(t.stats.actual.percentile(0.95)) / 1000.0);
  std::printf("  p99 response time: %.0fms\n", static_cast<double>(t.stats.actual.percentile(0.99)) / 1000.0);
  std::printf("  Requests/sec: %.1f\n", t.rps);
  std::printf("  p95 from intended send: %.0fms (coordinated omission corrected)\n",
              static_cast<double>(t.stats.intended.percentile(0.95)) / 1000.0);
  std::printf("%s\n", rule.c_str());
  for (const auto& v : verdicts) std::printf("  %s\n", v.describe().c_str());
  if (r.unreliable)
    std::printf("  WARNING: the load generator saturated (%s): these figures measure it, not the target.\n",
                r.unreliable_reason.c_str());
}

void print_summary(const Summary& summary, const EngineResult& r, const std::vector<ThresholdResult>& verdicts,
                   const Plan& plan) {
  std::printf("\n%-48s %6s %6s %7s %7s %7s %7s %7s %8s\n", "Name", "reqs", "fails", "avg", "p50", "p95", "p99", "max",
              "req/s");
  for (const auto& row : summary.rows) {
    bool total = &row == &summary.rows.back();
    auto name = total ? std::string("Aggregated") : fmt::format("{} {}", row.key.method, row.key.name);
    if (name.size() > 48) name = name.substr(0, 45) + "...";
    const auto& a = row.stats.actual;
    std::printf("%-48s %6llu %6llu %7s %7s %7s %7s %7s %8.1f\n", name.c_str(),
                static_cast<unsigned long long>(row.stats.requests), static_cast<unsigned long long>(row.stats.failures),
                ms(static_cast<std::int64_t>(a.mean())).c_str(), ms(a.percentile(0.5)).c_str(),
                ms(a.percentile(0.95)).c_str(), ms(a.percentile(0.99)).c_str(), ms(a.max()).c_str(), row.rps);
  }
  if (plan.model && plan.model->verbatim) {
    std::uint64_t users = 0, sessions_run = 0;
    for (const auto& c : r.classes) {
      users += c.users;
      sessions_run += c.iterations;
    }
    std::printf("\nRecorded sessions: %zu; users started %llu, sessions played to the end %llu\n", r.classes.size(),
                static_cast<unsigned long long>(users), static_cast<unsigned long long>(sessions_run));
  } else {
    print_classes(r, plan);
  }
  print_results(summary, verdicts, r);
}

}  // namespace

namespace {

// The classes and tasks: the model's weights beside what the run did.
std::string mix_json(const Plan& plan, const EngineResult& r) {
  double class_total = 0;
  for (const auto& c : plan.classes) class_total += c.weight;
  json::array out;
  for (std::size_t i = 0; i < plan.classes.size() && i < r.classes.size(); ++i) {
    const auto& c = plan.classes[i];
    double task_total = 0;
    for (const auto& t : c.source->tasks) task_total += t.weight;
    json::array tasks;
    for (std::size_t k = 0; k < c.source->tasks.size(); ++k)
      tasks.push_back(json::object{{"name", c.source->tasks[k].name},
                                   {"weight", task_total > 0 ? c.source->tasks[k].weight / task_total : 0},
                                   {"runs", k < r.classes[i].tasks.size() ? r.classes[i].tasks[k] : 0}});
    out.push_back(json::object{{"class", c.name},
                               {"weight", class_total > 0 ? c.weight / class_total : 0},
                               {"users", r.classes[i].users},
                               {"iterations", r.classes[i].iterations},
                               {"tasks", std::move(tasks)}});
  }
  return json::serialize(out);
}

}  // namespace

int replay(const ReplayOptions& o) {
  // Everything the user typed is checked before the store is touched.
  auto target = parse_target(o.host);
  if (!o.ca_file.empty() && !std::filesystem::exists(o.ca_file))
    throw UsageError(fmt::format("--ca-file {}: no such file", o.ca_file));
  if (o.users == 0) throw UsageError("--users must be at least 1");
  if (!(o.spawn_rate > 0)) throw UsageError("--spawn-rate must be more than 0 users per second");
  if (o.run_time.count() <= 0) throw UsageError("--run-time must be more than 0, e.g. 120s");
  if (o.timeout.count() <= 0) throw UsageError("--timeout must be more than 0, e.g. 30s");
  if (o.mode == Mode::arrival && !(o.rate > 0))
    throw UsageError("--mode arrival needs --rate R: the task iterations to start per second");
  std::vector<Threshold> thresholds;
  for (const auto& t : o.thresholds) thresholds.push_back(parse_threshold(t));
  if (thresholds.empty()) thresholds = default_thresholds();
  require_folder_of("--csv", o.csv_prefix);
  require_folder_of("--html", o.html_path);
  require_folder_of("--junit", o.junit_path);
  if (o.db_path.empty()) throw UsageError("--db FILE is required: the SQLite store the run is kept in");

  // The model is loaded and compiled before the store is opened, so that a bad model or a missing
  // environment variable leaves no file behind. A model given by id needs the store first.
  const bool by_id = !o.model.empty() && o.model.find_first_not_of("0123456789") == std::string::npos;
  std::optional<store::Database> db;
  if (by_id) db.emplace(o.db_path, store::Database::Options{.create = false});
  std::string source;
  model::Model model = by_id ? model_from_store(o.model, *db, source) : load_model_spec(o.model, source);
  std::random_device rd;
  const std::uint64_t seed = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  Plan plan = compile_plan(model, seed);  // looks up {env.NAME}: may still refuse
  // A verbatim model replays its sessions: one user each, or --users clones of them.
  Mode mode = o.mode;
  std::uint64_t users = o.users;
  auto run_time = o.run_time;
  if (model.verbatim) {
    if (o.mode == Mode::arrival)
      throw UsageError("--mode arrival does not apply to a verbatim model: it replays its recorded sessions as they "
                       "happened (--speed N compresses them)");
    mode = Mode::verbatim;
    if (!o.users_given) users = model.classes.size();
    if (!o.run_time_given) run_time = std::chrono::hours(24 * 365);  // until every session has ended
  } else if (o.mode == Mode::verbatim) {
    throw UsageError(fmt::format("--mode verbatim needs a verbatim model (aria-harness synthesize --verbatim); {} "
                                 "is a model of weighted classes",
                                 o.model));
  }
  if (!(o.speed > 0)) throw UsageError("--speed must be more than 0, e.g. 10 for ten times faster");
  raise_files_for(users);
  check_resolvable(target);
  if (!db) db.emplace(o.db_path);

  EngineOptions eo;
  eo.target = target;
  eo.mode = mode;
  eo.users = users;
  eo.speed = o.speed;
  eo.insecure = o.insecure;
  eo.ca_file = o.ca_file;
  eo.spawn_rate = o.spawn_rate;
  eo.arrival_rate = o.rate;
  eo.run_time = run_time;
  eo.timeout = o.timeout;
  eo.threads = o.threads;
  eo.seed = seed;
  const unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());

  store::ModelRow mrow;
  mrow.name = model.name;
  mrow.source = source;
  mrow.format_version = model.version;
  mrow.body = model::to_json(model);
  auto model_id = store::upsert_model(*db, mrow);
  store::RunStart start;
  start.label = o.label;
  start.target = target.url;
  start.model_id = model_id;
  start.model_name = model.name;
  start.mode = mode_name(mode);
  start.users = static_cast<std::int64_t>(users);
  start.config = config_json(o);
  start.host_info = host_info_json(threads);
  start.started_us = unix_micros();
  auto run_id = store::begin_run(*db, start);

  if (!o.quiet) {
    std::printf("%s\n  ARIA BLUE LOAD TEST  (run %lld in %s)\n  Target: %s\n  Model: %s | mode %s | users %llu",
                std::string(60, '=').c_str(), static_cast<long long>(run_id), o.db_path.c_str(), target.url.c_str(),
                model.name.c_str(), start.mode.c_str(), static_cast<unsigned long long>(users));
    if (mode == Mode::arrival) std::printf(" | rate %.1f/s", o.rate);
    else if (mode == Mode::verbatim) std::printf(" | %zu recorded sessions | speed %gx", model.classes.size(), o.speed);
    else std::printf(" | spawn %.1f/s", o.spawn_rate);
    if (mode == Mode::verbatim && !o.run_time_given)
      std::printf(" | until every session has ended\n%s\n", std::string(60, '=').c_str());
    else
      std::printf(" | run time %s\n%s\n", format_duration(run_time).c_str(), std::string(60, '=').c_str());
    std::fflush(stdout);
  }

  Engine engine(plan, eo);
  EngineResult r;
  try {
    AbortOnSignal on_signal(engine);
    r = engine.run(
        [&](const Progress& p) {
          if (o.quiet) return;
          double fail = p.total_requests ? 100.0 * static_cast<double>(p.total_failures) / static_cast<double>(p.total_requests) : 0;
          std::printf("  [%5.0fs] users %llu | %.1f req/s | p50 %s | p95 %s | failures %llu (%.2f%%)\n", p.elapsed_s,
                      static_cast<unsigned long long>(p.users), p.rps, ms(p.p50_us).c_str(), ms(p.p95_us).c_str(),
                      static_cast<unsigned long long>(p.total_failures), fail);
          std::fflush(stdout);
        },
        o.progress_every);
  } catch (...) {
    // The run cannot go on: close its row rather than leave it 'running'.
    store::RunEnd failed;
    failed.status = "aborted";
    failed.unreliable = true;
    failed.unreliable_reason = "the run failed before it completed";
    store::finish_run(*db, run_id, failed, {}, {}, {});
    throw;
  }

  Summary summary = summarize(r.stats, r.duration_s);
  auto verdicts = evaluate(thresholds, summary);
  bool pass = std::all_of(verdicts.begin(), verdicts.end(), [](const ThresholdResult& v) { return v.pass; });

  std::vector<store::RunStatRow> rows;
  for (const auto& row : summary.rows) rows.push_back(stat_row(row));
  std::vector<store::SeriesRow> series;
  std::vector<HistoryPoint> history;
  EndpointStats cumulative;
  for (std::size_t s = 0; s < r.stats.seconds().size(); ++s) {
    const auto& sec = r.stats.seconds()[s];
    std::int64_t users = s < r.users_per_second.size() ? static_cast<std::int64_t>(r.users_per_second[s]) : 0;
    series.push_back({static_cast<std::int64_t>(s), static_cast<std::int64_t>(sec.requests),
                      static_cast<std::int64_t>(sec.failures), users, static_cast<std::int64_t>(sec.bytes),
                      sec.latency.percentile(0.5), sec.latency.percentile(0.95)});
    cumulative.requests += sec.requests;
    cumulative.failures += sec.failures;
    cumulative.bytes += sec.bytes;
    cumulative.actual.merge(sec.latency);
    history.push_back({(r.started_unix_us / 1'000'000) + static_cast<std::int64_t>(s) + 1,
                       static_cast<std::uint64_t>(users), sec, cumulative});
  }
  std::vector<store::FailureRow> failures;
  for (const auto& [k, n] : r.stats.failures())
    failures.push_back({k.name, k.method, std::string(to_string(k.kind)), k.message, static_cast<std::int64_t>(n)});
  json::array tj;
  for (const auto& v : verdicts) {
    json::object item{{"threshold", v.threshold.text}, {"pass", v.pass}};
    if (v.observed) item["observed"] = *v.observed;
    else item["observed"] = nullptr;
    tj.push_back(std::move(item));
  }
  store::RunEnd end;
  end.status = r.aborted ? "aborted" : "completed";
  end.verdict = pass ? "pass" : "fail";
  end.thresholds = json::serialize(tj);
  end.unreliable = r.unreliable;
  end.unreliable_reason = r.unreliable_reason;
  end.duration_us = static_cast<std::int64_t>(r.duration_s * 1e6);
  end.mix = mix_json(plan, r);
  store::finish_run(*db, run_id, end, rows, series, failures);

  if (!o.csv_prefix.empty()) write_locust_csv(o.csv_prefix, summary, history, r.stats.failures());
  if (!o.html_path.empty()) write_file_atomically(o.html_path, reports::render_run_report(*db, run_id, {}), "report");
  if (!o.junit_path.empty()) {
    std::vector<reports::JUnitCase> cases;
    for (const auto& v : verdicts) {
      const auto described = v.describe();  // "p95<500ms  observed 212ms  pass"
      cases.push_back({fmt::format("aria-harness.run{}", run_id), described.substr(0, described.find("  ")),
                       v.pass ? std::nullopt : std::optional<std::string>(described), r.duration_s});
    }
    write_file_atomically(o.junit_path, reports::junit_xml("aria-harness thresholds", cases), "JUnit file");
  }

  if (!o.quiet && !o.live_only) {
    print_summary(summary, r, verdicts, plan);
    std::printf("  Run %lld stored in %s as %s%s; verdict: %s\n", static_cast<long long>(run_id), o.db_path.c_str(),
                end.status.c_str(), r.unreliable ? " (flagged unreliable)" : "", pass ? "PASS" : "FAIL");
    if (!o.csv_prefix.empty())
      std::printf("  CSV: %s_stats.csv, %s_stats_history.csv, %s_failures.csv\n", o.csv_prefix.c_str(),
                  o.csv_prefix.c_str(), o.csv_prefix.c_str());
  }
  return pass ? kExitOk : kExitThresholdFailed;
}

int list_runs(const std::string& db_path, bool as_json) {
  if (!std::filesystem::exists(db_path))
    throw UsageError(fmt::format("no store at {}: give the --db file a replay wrote", db_path));
  store::Database db(db_path);
  auto runs = store::list_runs(db);
  if (as_json) {
    json::array out;
    for (const auto& r : runs) {
      json::object o{{"id", r.id},           {"label", r.label},       {"target", r.target},
                     {"model", r.model_name}, {"mode", r.mode},         {"status", r.status},
                     {"started_at", r.started_at}, {"users", r.users},  {"duration_s", r.duration_s},
                     {"unreliable", r.unreliable}, {"requests", r.requests}, {"failures", r.failures},
                     {"rps", r.rps},         {"p50_ms", r.p50_us / 1000.0}, {"p95_ms", r.p95_us / 1000.0},
                     {"p99_ms", r.p99_us / 1000.0}};
      o["ended_at"] = r.ended_at ? json::value(*r.ended_at) : json::value(nullptr);
      o["verdict"] = r.verdict ? json::value(*r.verdict) : json::value(nullptr);
      out.push_back(std::move(o));
    }
    std::printf("%s\n", json::serialize(out).c_str());
    return kExitOk;
  }
  if (runs.empty()) {
    std::printf("no runs in %s yet: aria-harness replay --db %s --host URL stores one\n", db_path.c_str(),
                db_path.c_str());
    return kExitOk;
  }
  std::printf("%4s  %-12s %-9s %-7s %-24s %8s %6s %9s %6s %8s %8s  %s\n", "ID", "LABEL", "STATUS", "VERDICT",
              "STARTED", "DURATION", "USERS", "REQUESTS", "FAIL%", "P95", "RPS", "MODEL");
  for (const auto& r : runs) {
    double fail = r.requests ? 100.0 * static_cast<double>(r.failures) / static_cast<double>(r.requests) : 0;
    std::printf("%4lld  %-12s %-9s %-7s %-24s %7.0fs %6lld %9lld %5.1f%% %8s %8.1f  %s%s\n",
                static_cast<long long>(r.id), r.label.substr(0, 12).c_str(), r.status.c_str(),
                r.verdict.value_or("-").c_str(), r.started_at.c_str(), r.duration_s, static_cast<long long>(r.users),
                static_cast<long long>(r.requests), fail, ms(r.p95_us).c_str(), r.rps, r.model_name.c_str(),
                r.unreliable ? "  (unreliable)" : "");
  }
  return kExitOk;
}

}  // namespace aria::replayer
