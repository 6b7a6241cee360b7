// `aria-harness demo`: walks the loop on the stand-in, on loopback only. Today: start the stand-in
// on a free port and show it serving each kind of route, then replay the seed's scenario against it
// and store the run.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "core/parse.hpp"
#include "mock/server.hpp"
#include "net/client.hpp"
#include "net/system.hpp"
#include "replayer/replay.hpp"

namespace aria::cli {
namespace {

struct Probe {
  std::string method, target, body, what;
};

}  // namespace

Runner add_demo_command(CLI::App& app) {
  struct Flags {
    std::string llm_latency = "150ms";
    std::string run_time = "30s";
    std::uint64_t users = 50;
    std::string out = "demo-out";
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "demo",
      "Run the loop on the stand-in Aria, on loopback only, and show each step: start the stand-in on a free\n"
      "127.0.0.1 port and send one request of each kind; replay the seed's scenario (builtin:aria) against\n"
      "it and store the run in OUT/aria-harness.db; list the stored runs.");
  cmd->add_option("--users", f->users, "Users of the replay")->capture_default_str();
  cmd->add_option("--run-time", f->run_time, "Length of the replay")->capture_default_str();
  cmd->add_option("--out", f->out, "Folder for the store and the CSV files (created when missing)")
      ->capture_default_str();
  cmd->add_option("--llm-latency", f->llm_latency, "Mock-LLM median latency of the stand-in")->capture_default_str();

  return [f] {
    mock::Options o;
    o.listen = {"127.0.0.1", 0};
    o.llm.median = parse_duration(f->llm_latency, "--llm-latency");
    o.quiet = true;
    const auto run_time = parse_duration(f->run_time, "--run-time");
    if (f->users == 0) throw UsageError("--users must be at least 1");
    std::filesystem::create_directories(f->out);
    const std::string db = (std::filesystem::path(f->out) / "aria-harness.db").string();
    // Ctrl-C is taken by the replay step (which stores its run as aborted), not by a server thread.
    net::block_stop_signals();
    mock::Server server(o);
    server.start();
    std::printf("[1/3] the stand-in Aria is serving on %s (%u threads)\n\n", server.url().c_str(), server.threads());

    net::HttpClient client("127.0.0.1", server.port());
    auto created = client.post_json("/api/engine/chat/sessions", R"({"agent_id":"aria","title":"Demo"})");
    std::string engine_id;
    if (auto pos = created.body.find("\"id\":\""); pos != std::string::npos)
      engine_id = created.body.substr(pos + 6, 36);

    const std::vector<Probe> probes = {
        {"GET", "/api/health", "", "health"},
        {"GET", "/api/status", "", "service status"},
        {"GET", "/dashboard", "", "dashboard page"},
        {"POST", "/api/sessions", R"({"session_id":"demo-1","title":"Demo"})", "seed: create session"},
        {"POST", "/api/chat", R"({"session_id":"demo-1","content":"Hello, how are you?","stream":false})",
         "seed: chat (mock LLM)"},
        {"GET", "/api/sessions/demo-1/history", "", "seed: history"},
        {"GET", "/api/sessions/search?q=hello", "", "seed: search"},
        {"DELETE", "/api/sessions/demo-1", "", "seed: delete session"},
        {"POST", "/api/engine/chat/sessions/" + engine_id + "/messages", R"({"content":"Check the server health"})",
         "engine: message (mock LLM)"},
        {"GET", "/api/engine/sessions?search=health&limit=20&offset=0", "", "engine: search"},
        {"DELETE", "/api/engine/chat/sessions/" + engine_id, "", "engine: end session"},
        {"GET", "/metrics", "", "Prometheus metrics"},
    };
    std::printf("  %-6s %-52s %6s %9s %9s  %s\n", "METHOD", "PATH", "STATUS", "BYTES", "TIME", "WHAT");
    int failures = 0;
    for (const auto& p : probes) {
      auto t0 = std::chrono::steady_clock::now();
      auto res = p.body.empty() ? client.request(p.method, p.target) : client.post_json(p.target, p.body);
      auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (res.status >= 400) ++failures;
      auto shown = p.target.size() > 52 ? p.target.substr(0, 49) + "..." : p.target;
      std::printf("  %-6s %-52s %6d %9zu %7.1fms  %s\n", p.method.c_str(), shown.c_str(), res.status,
                  res.body.size(), ms, p.what.c_str());
    }
    std::printf("\nThe stand-in answered %zu requests, %d of them with an error status.\n\n", probes.size() + 1,
                failures);
    if (failures) {
      server.stop();
      return 3;
    }

    std::printf("[2/3] replaying the seed's scenario (builtin:aria) at %llu users for %s against it\n",
                static_cast<unsigned long long>(f->users), format_duration(run_time).c_str());
    std::printf("      (the seed's third target, RPS > 100, needs about 200 users with its think times;\n"
                "       the demo judges p95 < 500 ms and failures < 1 %%)\n");
    replayer::ReplayOptions ro;
    ro.db_path = db;
    ro.host = server.url();
    ro.users = f->users;
    ro.spawn_rate = std::max(5.0, static_cast<double>(f->users) / 5.0);
    ro.run_time = run_time;
    ro.label = "demo";
    ro.thresholds = {"p95<500ms", "fail_rate<1%"};
    ro.csv_prefix = (std::filesystem::path(f->out) / "demo").string();
    ro.progress_every = std::chrono::seconds(5);
    const int verdict = replayer::replay(ro);
    server.stop();

    std::printf("\n[3/3] the runs stored in %s:\n", db.c_str());
    replayer::list_runs(db, false);
    std::printf("\nOpen the store with: sqlite3 %s 'SELECT id, status, verdict FROM runs'\n"
                "Run the stand-in yourself with: aria-harness mock --listen 127.0.0.1:5000\n",
                db.c_str());
    return verdict;
  };
}

}  // namespace aria::cli
