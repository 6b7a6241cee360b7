// `aria-harness replay` and `aria-harness runs`: load the model, drive the target, print live
// figures and the summary, judge the thresholds, write CSV and the run's rows in the store.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "replayer/engine.hpp"

namespace aria::replayer {

struct ReplayOptions {
  std::string db_path;
  std::string host;
  std::string model = "builtin:aria";  // builtin:NAME, a file, or the id of a model in the store
  std::string label;
  Mode mode = Mode::users;
  std::uint64_t users = 50;
  double spawn_rate = 5;
  double rate = 0;  // arrival mode
  double speed = 1;  // verbatim mode: recorded gaps compressed this many times
  bool insecure = false;  // https target: skip certificate verification
  std::string ca_file;    // https target: extra trusted certificates (PEM)
  bool users_given = false;     // verbatim mode: --users clones sessions; else one user per session
  bool run_time_given = false;  // verbatim mode: else the run lasts until every session has ended
  std::chrono::microseconds run_time{std::chrono::seconds(120)};
  std::chrono::microseconds timeout{std::chrono::seconds(30)};
  unsigned threads = 0;
  std::vector<std::string> thresholds;  // empty: the seed's three
  std::string csv_prefix;               // empty: no CSV
  std::string html_path;                // empty: no HTML report
  std::string junit_path;               // empty: no JUnit XML
  std::chrono::milliseconds progress_every{std::chrono::seconds(5)};
  bool quiet = false;
  bool live_only = false;  // the header and the live line, not the summary (for callers that summarize)
};

// Returns the exit code: 0 all thresholds passed, 1 one failed. Throws UsageError for bad input
// (before anything is written) and RuntimeFailure when the store cannot be written.
int replay(const ReplayOptions& options);

// Prints the runs of a store as a table, or JSON.
int list_runs(const std::string& db_path, bool json);

}  // namespace aria::replayer
