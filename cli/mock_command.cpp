// `aria-harness mock`: the stand-in Aria server.
#include <memory>

#include "cli/commands.hpp"
#include "core/errors.hpp"
#include "core/parse.hpp"
#include "mock/server.hpp"

namespace aria::cli {

Runner add_mock_command(CLI::App& app) {
  struct Flags {
    std::string listen = "127.0.0.1:5000";
    unsigned threads = 0;
    std::string llm_latency = "150ms", llm_jitter = "50ms", llm_profile = "fixed";
    std::string api_key, rate_limit;
    std::string error_rate = "0", llm_error_rate = "0", added_latency = "0ms", drop_rate = "0";
    std::string idle_timeout = "60s";
    bool quiet = false;
  };
  auto f = std::make_shared<Flags>();
  auto* cmd = app.add_subcommand(
      "mock",
      "Serve the stand-in Aria: both API dialects (the seed's /api/sessions and /api/chat, the engine's\n"
      "/api/engine/...), the dashboard pages, the WebSocket chat and /metrics, with in-memory state, a mock LLM\n"
      "of configurable latency, optional API-key auth and rate limit, and fault injection. Runs until Ctrl-C.");
  cmd->add_option("--listen", f->listen, "Address to listen on (HOST:PORT; port 0 picks a free one)")
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "Server threads (0: one per core)")->capture_default_str();
  cmd->add_option("--llm-latency", f->llm_latency, "Median mock-LLM time per chat message")->capture_default_str();
  cmd->add_option("--llm-jitter", f->llm_jitter, "Uniform jitter around the median, either side")
      ->capture_default_str();
  cmd->add_option("--llm-profile", f->llm_profile,
                  "fixed: median and jitter as given; realistic: 40-85 s per message, as a real LLM (soak runs)")
      ->check(CLI::IsMember({"fixed", "realistic"}))
      ->capture_default_str();
  cmd->add_option("--api-key", f->api_key,
                  "Require this X-API-Key on /api/* and the WebSocket (health, status and metrics stay open)")
      ->envname("ARIA_MOCK_API_KEY");
  cmd->add_option("--rate-limit", f->rate_limit, "Limit writes per client IP, e.g. 50/5s (Aria's own); off if unset");
  cmd->add_option("--error-rate", f->error_rate, "Fault: fraction of requests answered 500, e.g. 0.05 or 5%")
      ->capture_default_str();
  cmd->add_option("--llm-error-rate", f->llm_error_rate, "Fault: fraction of chat messages failing as LLM errors")
      ->capture_default_str();
  cmd->add_option("--added-latency", f->added_latency, "Fault: latency added to every response")
      ->capture_default_str();
  cmd->add_option("--drop-rate", f->drop_rate, "Fault: fraction of responses cut off mid-body (connection closed)")
      ->capture_default_str();
  cmd->add_option("--idle-timeout", f->idle_timeout, "Close keep-alive connections idle this long")
      ->capture_default_str();
  cmd->add_flag("--quiet", f->quiet, "Print nothing but errors");

  return [f] {
    mock::Options o;
    o.listen = parse_endpoint(f->listen, "--listen");
    o.threads = f->threads;
    o.llm.median = parse_duration(f->llm_latency, "--llm-latency");
    o.llm.jitter = parse_duration(f->llm_jitter, "--llm-jitter");
    o.llm.profile = f->llm_profile == "realistic" ? mock::LlmLatency::Profile::realistic
                                                  : mock::LlmLatency::Profile::fixed;
    if (!f->api_key.empty()) o.api_key = f->api_key;
    if (!f->rate_limit.empty()) o.rate_limit = parse_rate(f->rate_limit, "--rate-limit");
    o.faults.error_rate = parse_fraction(f->error_rate, "--error-rate");
    o.faults.llm_error_rate = parse_fraction(f->llm_error_rate, "--llm-error-rate");
    o.faults.added_latency = parse_duration(f->added_latency, "--added-latency");
    o.faults.drop_rate = parse_fraction(f->drop_rate, "--drop-rate");
    o.idle_timeout = parse_duration(f->idle_timeout, "--idle-timeout");
    if (o.idle_timeout.count() == 0) throw UsageError("--idle-timeout must be more than 0");
    o.quiet = f->quiet;
    return mock::run(o);
  };
}

}  // namespace aria::cli
