// Models and runs in the store: what the replayer writes and `aria-harness runs` lists.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace aria::store {

struct ModelRow {
  std::int64_t id = 0;
  std::string name;
  std::string source;  // builtin | file | synthesized
  int format_version = 1;
  std::string recording_ids = "[]";
  std::string body;    // JSON
  std::string created_at;
};

// Stores the model unless an identical body is stored already; returns the row's id either way.
std::int64_t upsert_model(const Database& db, const ModelRow& model);
std::optional<ModelRow> find_model(const Database& db, std::int64_t id);

struct RunStart {
  std::string label, target, model_name, mode;
  std::optional<std::int64_t> model_id;
  std::int64_t users = 0;
  std::string config = "{}", host_info = "{}";
  std::int64_t started_us = 0;  // unix microseconds
};
// Inserts a run with status 'running'; returns its id.
std::int64_t begin_run(const Database& db, const RunStart& run);

struct RunStatRow {
  std::string name, method;
  std::int64_t requests = 0, failures = 0, bytes = 0;
  double rps = 0;
  std::int64_t min_us = 0, p50_us = 0, p90_us = 0, p95_us = 0, p99_us = 0, p999_us = 0, max_us = 0;
  double avg_us = 0;
  std::int64_t p50_intended_us = 0, p95_intended_us = 0, p99_intended_us = 0, max_intended_us = 0;
  std::string histogram, histogram_intended;  // serialized
};
struct SeriesRow {
  std::int64_t second = 0, requests = 0, failures = 0, users = 0, bytes = 0, p50_us = 0, p95_us = 0;
};
struct FailureRow {
  std::string name, method, kind, message;
  std::int64_t occurrences = 0;
};
struct RunEnd {
  std::string status;                // completed | aborted
  std::optional<std::string> verdict;  // pass | fail
  std::string thresholds = "[]";     // JSON
  bool unreliable = false;
  std::string unreliable_reason;
  std::int64_t duration_us = 0;
  std::string mix = "[]";  // JSON: classes and tasks, model weights against what ran
};

// Writes the run's rows and closes it, in one transaction.
void finish_run(const Database& db, std::int64_t run_id, const RunEnd& end, const std::vector<RunStatRow>& stats,
                const std::vector<SeriesRow>& series, const std::vector<FailureRow>& failures);

struct RunListing {
  std::int64_t id = 0;
  std::string label, target, model_name, mode, status, started_at;
  std::optional<std::string> ended_at, verdict;
  std::int64_t users = 0;
  double duration_s = 0;
  bool unreliable = false;
  // the aggregate row, when the run has one
  std::int64_t requests = 0, failures = 0;
  double rps = 0;
  std::int64_t p50_us = 0, p95_us = 0, p99_us = 0;
};
std::vector<RunListing> list_runs(const Database& db);

// Everything stored of one run: what a report shows.
struct RunRecord {
  RunListing listing;
  std::string config = "{}", host_info = "{}", thresholds = "[]", mix = "[]";
  std::string unreliable_reason;
  std::optional<std::int64_t> model_id;
  std::int64_t started_us = 0;
  std::vector<RunStatRow> stats;  // per endpoint, then the aggregate ('Aggregated', method '')
  std::vector<SeriesRow> series;
  std::vector<FailureRow> failures;
};
std::optional<RunRecord> load_run(const Database& db, std::int64_t run_id);

}  // namespace aria::store
