// The load generator: virtual users as coroutines on one io_context per thread, each with its own
// keep-alive connection; closed (users) or open (arrival-rate) scheduling; per-thread statistics
// merged at the end.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "net/target.hpp"
#include "replayer/plan.hpp"
#include "replayer/stats.hpp"

namespace aria::replayer {

using net::parse_target;
using net::Target;

// Checks that the target's host resolves; throws aria::UsageError naming it otherwise. Run before
// anything is written, so a typo in --host leaves no run behind.
void check_resolvable(const Target& target);

// users: closed model; arrival: open model at a fixed rate; verbatim: a verbatim model's recorded
// sessions, each run once from its start time.
enum class Mode { users, arrival, verbatim };

struct EngineOptions {
  Target target;
  Mode mode = Mode::users;
  std::uint64_t users = 50;           // users mode: concurrent users; arrival mode: the most users at once
  double spawn_rate = 5;              // users started per second
  double arrival_rate = 0;            // arrival mode: task iterations started per second
  double speed = 1;                   // verbatim mode: recorded start times and gaps divided by this
  bool insecure = false;              // https target: do not verify its certificate (testing only)
  std::string ca_file;                // https target: also trust the certificates in this PEM file
  std::chrono::microseconds run_time{std::chrono::seconds(120)};
  std::chrono::microseconds timeout{std::chrono::seconds(30)};
  std::chrono::microseconds stop_grace{std::chrono::seconds(5)};  // for on_stop and in-flight requests
  unsigned threads = 0;               // 0: one per core
  std::uint64_t seed = 0;             // 0: random
  // Past these the generator, not the target, limits the figures and the run is flagged unreliable.
  double saturation_cpu = 0.9;        // process CPU / (wall x threads)
  double saturation_lag_ms = 50;      // p99 lateness of a 50 ms timer on the event loops
};

// Figures of the last progress interval.
struct Progress {
  double elapsed_s = 0;
  std::uint64_t users = 0;
  std::uint64_t requests = 0;  // in the interval
  std::uint64_t failures = 0;
  double rps = 0;
  std::int64_t p50_us = 0, p95_us = 0;
  std::uint64_t total_requests = 0, total_failures = 0;
};

struct ClassTally {
  std::string name;
  std::uint64_t users = 0;       // users started of this class
  std::uint64_t iterations = 0;  // tasks run
  std::vector<std::uint64_t> tasks;  // per task of the class, in model order
};

struct EngineResult {
  Stats stats;                    // all threads merged
  std::int64_t started_unix_us = 0;
  double duration_s = 0;          // from the first spawn to the end of the measured window
  bool aborted = false;
  std::vector<std::uint64_t> users_per_second;
  std::vector<ClassTally> classes;
  std::uint64_t late_iterations = 0;  // arrival mode: iterations that waited for a free user
  // The generator's own health: when it saturates, its figures are not the target's.
  double loop_lag_p99_ms = 0;
  double loop_lag_max_ms = 0;
  double cpu_busy_fraction = 0;   // process CPU time / (wall time x threads)
  bool unreliable = false;
  std::string unreliable_reason;
};

class Engine {
 public:
  Engine(const Plan& plan, EngineOptions options);
  ~Engine();
  // Runs until run_time has passed or abort() is called; calls `progress` from this thread every
  // `every`.
  EngineResult run(const std::function<void(const Progress&)>& progress, std::chrono::milliseconds every);
  // Ends the run early (from any thread, such as a signal waiter); the result is marked aborted.
  void abort() { abort_.store(true); }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> abort_{false};
};

}  // namespace aria::replayer
