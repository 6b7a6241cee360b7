// CSV files with exactly Locust's columns, so tools that read Locust's output read ours.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "replayer/stats.hpp"

namespace aria::replayer {

// One line of PREFIX_stats_history.csv: the whole run at one second.
struct HistoryPoint {
  std::int64_t unix_seconds = 0;
  std::uint64_t users = 0;
  SecondStats second;        // that second alone (Requests/s, Failures/s)
  EndpointStats cumulative;  // everything up to and including it (percentiles and the Total columns)
};

// PREFIX_stats.csv, PREFIX_stats_history.csv and PREFIX_failures.csv. Response times in
// milliseconds as Locust writes them. Throws aria::RuntimeFailure when a file cannot be written;
// each file is written to a temporary name and renamed, so none is left half-written.
void write_locust_csv(const std::string& prefix, const Summary& summary, const std::vector<HistoryPoint>& history,
                      const std::map<FailureKey, std::uint64_t>& failures);

// The header lines, for tests and for documentation.
extern const char* const kLocustStatsHeader;
extern const char* const kLocustHistoryHeader;
extern const char* const kLocustFailuresHeader;

}  // namespace aria::replayer
