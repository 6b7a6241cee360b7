// Options of the stand-in Aria server (`aria-harness mock`).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/parse.hpp"

namespace aria::mock {

using std::chrono::microseconds;

// How long the mock LLM takes to answer one chat message.
struct LlmLatency {
  enum class Profile { fixed, realistic };
  Profile profile = Profile::fixed;
  microseconds median{150'000};  // fixed: the median; uniform jitter on either side
  microseconds jitter{50'000};
};

// Faults a test or a benchmark can switch on to exercise the failure paths of a client.
struct Faults {
  double error_rate = 0;            // fraction of requests answered 500
  double llm_error_rate = 0;        // fraction of chat messages answered 502 (LLM error)
  microseconds added_latency{0};    // added before every response
  double drop_rate = 0;             // fraction of responses cut off mid-body, connection closed
  bool any() const { return error_rate > 0 || llm_error_rate > 0 || added_latency.count() > 0 || drop_rate > 0; }
};

struct Options {
  Endpoint listen{"127.0.0.1", 5000};
  unsigned threads = 0;                  // 0: one per core
  LlmLatency llm;
  std::optional<std::string> api_key;    // X-API-Key required on /api/* when set
  std::optional<Rate> rate_limit;        // writes per client IP
  Faults faults;
  microseconds idle_timeout{60'000'000}; // keep-alive connections idle this long are closed
  bool quiet = false;                    // no startup banner or summary
};

}  // namespace aria::mock
