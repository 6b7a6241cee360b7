// `aria-harness demo`: walks the loop on the stand-in. Today: start the stand-in on a free loopback
// port and show it serving each kind of route with its status, size and time.
#include <chrono>
#include <cstdio>
#include <memory>

#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/parse.hpp"
#include "mock/server.hpp"
#include "net/client.hpp"

namespace aria::cli {
namespace {

struct Probe {
  std::string method, target, body, what;
};

}  // namespace

Runner add_demo_command(CLI::App& app) {
  struct Flags {
    std::string llm_latency = "150ms";
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "demo",
      "Run the loop on the stand-in Aria, on loopback only, and show each step. It starts the stand-in on a\n"
      "free 127.0.0.1 port and sends one request of each kind, printing status, size and time.");
  cmd->add_option("--llm-latency", f->llm_latency, "Mock-LLM median latency of the stand-in")->capture_default_str();

  return [f] {
    mock::Options o;
    o.listen = {"127.0.0.1", 0};
    o.llm.median = parse_duration(f->llm_latency, "--llm-latency");
    o.quiet = true;
    mock::Server server(o);
    server.start();
    std::printf("[1/1] the stand-in Aria is serving on %s (%u threads)\n\n", server.url().c_str(), server.threads());

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
    server.stop();
    std::printf("\nThe stand-in answered %zu requests, %d of them with an error status; it is stopped now.\n"
                "Run it yourself with: aria-harness mock --listen 127.0.0.1:5000\n",
                probes.size() + 1, failures);
    return failures == 0 ? 0 : 3;
  };
}

}  // namespace aria::cli
