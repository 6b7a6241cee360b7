#include "replayer/locust_csv.hpp"

#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/errors.hpp"

namespace aria::replayer {
namespace {

namespace fs = std::filesystem;
const std::string kLocustDir = std::string(ARIA_REPLAYER_FIXTURES) + "/locust-2.12";

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::vector<std::string> crlf_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const auto end = text.find("\r\n", start);
    if (end == std::string::npos) {
      ADD_FAILURE() << "a line without \\r\\n: " << text.substr(start);
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 2;
  }
  return lines;
}

// RFC 4180 as Python's csv module writes it: "\r\n" after every record, '"' quoting with doubling.
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == '"') {
      ++i;
      for (;;) {
        if (i >= text.size()) throw std::runtime_error("unterminated quoted field");
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
    }
    while (i < text.size() && text[i] != ',' && text[i] != '\r') {
      if (text[i] == '"' || text[i] == '\n') throw std::runtime_error("stray quote or bare \\n");
      field += text[i++];
    }
    if (i >= text.size()) throw std::runtime_error("no \\r\\n after the last record");
    row.push_back(std::move(field));
    field.clear();
    if (text[i] == ',') {
      ++i;
    } else {
      if (text.compare(i, 2, "\r\n") != 0) throw std::runtime_error("bare \\r");
      i += 2;
      rows.push_back(std::move(row));
      row.clear();
    }
  }
  return rows;
}

void expect_rectangular(const std::string& text, const std::string& what) {
  const auto rows = parse_csv(text);
  ASSERT_FALSE(rows.empty()) << what;
  for (std::size_t r = 0; r < rows.size(); ++r)
    EXPECT_EQ(rows[r].size(), rows[0].size()) << what << " row " << r;
}

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "aria-locust-csv-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const EndpointKey kA{"/a", "GET"};
const EndpointKey kSearch{"/search \"q\",page", "POST"};  // as in the Locust fixture

Stats sample_stats() {
  Stats s;
  s.record(kA, 1'000, 1'000, 10, false, 0);
  s.record(kA, 2'000, 2'500, 10, false, 1);
  s.record(kA, 3'000, 3'000, 10, true, 0);
  s.record(kA, 4'000, 4'000, 10, false, 0);
  s.record(kSearch, 12'345, 20'000, 0, true, 1);
  s.record_failure(kA, FailureKind::status, "Status 500");
  s.record_failure(kA, FailureKind::check, "Status 500");  // same text: one Locust row
  s.record_failure(kSearch, FailureKind::timeout, "Timeout, after 10s");
  return s;
}

std::vector<HistoryPoint> sample_history(const Summary& summary) {
  HistoryPoint empty;
  empty.unix_seconds = 1796414907;  // as the fixture's first row
  HistoryPoint busy;
  busy.unix_seconds = 1796414908;
  busy.users = 2;
  busy.second.requests = 3;
  busy.second.failures = 1;
  busy.second.bytes = 20;
  for (auto us : {1'000, 2'000, 12'345}) busy.second.latency.record(us);
  busy.cumulative = summary.total().stats;
  return {empty, busy};
}

TEST(LocustCsv, HeadersMatchLocust212ByteForByte) {
  const auto stats = read_file(kLocustDir + "/locust_stats.csv");
  const auto history = read_file(kLocustDir + "/locust_stats_history.csv");
  const auto failures = read_file(kLocustDir + "/locust_failures.csv");
  EXPECT_EQ(stats.substr(0, stats.find("\r\n") + 2), std::string(kLocustStatsHeader) + "\r\n");
  EXPECT_EQ(history.substr(0, history.find("\r\n") + 2), std::string(kLocustHistoryHeader) + "\r\n");
  EXPECT_EQ(failures.substr(0, failures.find("\r\n") + 2), std::string(kLocustFailuresHeader) + "\r\n");
}

TEST(LocustCsv, LocustFixturesAreRectangularCsv) {
  for (auto name : {"locust_stats.csv", "locust_stats_history.csv", "locust_failures.csv"})
    expect_rectangular(read_file(kLocustDir + "/" + name), name);
}

TEST(LocustCsv, WritesKnownNumbersLikeLocust) {
  const auto stats = sample_stats();
  const auto summary = summarize(stats, 2.0);
  TempDir dir;
  const auto prefix = (dir.path() / "run").string();
  write_locust_csv(prefix, summary, sample_history(summary), stats.failures());

  const auto stats_text = read_file(prefix + "_stats.csv");
  EXPECT_EQ(crlf_lines(stats_text), (std::vector<std::string>{
                                        kLocustStatsHeader,
                                        "GET,/a,4,1,2,2.5,1.0,4.0,10.0,2.0,0.5,2,3,3,4,4,4,4,4,4,4,4",
                                        "POST,\"/search \"\"q\"\",page\",1,1,12,12.345,12.345,12.345,0.0,0.5,0.5,"
                                        "12,12,12,12,12,12,12,12,12,12,12",
                                        ",Aggregated,5,2,3,4.469,1.0,12.345,8.0,2.5,1.0,3,4,4,4,12,12,12,12,12,12,12",
                                    }));

  const auto history_text = read_file(prefix + "_stats_history.csv");
  const auto fixture_history = crlf_lines(read_file(kLocustDir + "/locust_stats_history.csv"));
  EXPECT_EQ(crlf_lines(history_text),
            (std::vector<std::string>{
                kLocustHistoryHeader,
                fixture_history.at(1),  // a second without requests, exactly as Locust writes it
                // Percentiles are cumulative, as Locust writes them without --csv-full-history.
                "1796414908,2,,Aggregated,3.000000,1.000000,3,4,4,4,12,12,12,12,12,12,12,5,2,3,4.469,1.0,12.345,8.0",
            }));

  const auto failures_text = read_file(prefix + "_failures.csv");
  EXPECT_EQ(crlf_lines(failures_text), (std::vector<std::string>{
                                           kLocustFailuresHeader,
                                           "GET,/a,Status 500,2",
                                           "POST,\"/search \"\"q\"\",page\",\"Timeout, after 10s\",1",
                                       }));

  // The same quoting as Locust's own file for the same name.
  const auto fixture_stats = crlf_lines(read_file(kLocustDir + "/locust_stats.csv"));
  EXPECT_EQ(fixture_stats.at(3).rfind("GET,\"/search \"\"q\"\",page\",", 0), 0u) << fixture_stats.at(3);

  expect_rectangular(stats_text, "stats");
  expect_rectangular(history_text, "history");
  expect_rectangular(failures_text, "failures");
  EXPECT_EQ(parse_csv(stats_text)[2][1], kSearch.name);
  EXPECT_EQ(parse_csv(failures_text)[2][2], "Timeout, after 10s");

  for (const auto& entry : fs::directory_iterator(dir.path()))
    EXPECT_NE(entry.path().extension(), ".tmp") << entry.path();
}

TEST(LocustCsv, EmptyRunAndOverwrite) {
  TempDir dir;
  const auto prefix = (dir.path() / "empty").string();
  std::ofstream(prefix + "_stats.csv") << "old content that must go\n";
  write_locust_csv(prefix, summarize(Stats{}, 0.0), {}, {});
  EXPECT_EQ(read_file(prefix + "_stats.csv"),
            std::string(kLocustStatsHeader) + "\r\n" +
                ",Aggregated,0,0,0,0.0,0,0,0,0.0,0.0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\r\n");
  EXPECT_EQ(read_file(prefix + "_stats_history.csv"), std::string(kLocustHistoryHeader) + "\r\n");
  EXPECT_EQ(read_file(prefix + "_failures.csv"), std::string(kLocustFailuresHeader) + "\r\n");
}

TEST(LocustCsv, UnwritablePathIsARuntimeFailureNamingIt) {
  TempDir dir;
  const auto prefix = (dir.path() / "missing-dir" / "run").string();
  try {
    write_locust_csv(prefix, summarize(Stats{}, 1.0), {}, {});
    ADD_FAILURE() << "wrote into a missing directory";
  } catch (const RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find(prefix + "_stats.csv"), std::string::npos) << e.what();
  }

  // A directory where the file should go: the rename fails, and no temporary file is left.
  const auto blocked = (dir.path() / "blocked").string();
  fs::create_directories(blocked + "_stats.csv/inside");
  EXPECT_THROW(write_locust_csv(blocked, summarize(Stats{}, 1.0), {}, {}), RuntimeFailure);
  EXPECT_FALSE(fs::exists(blocked + "_stats.csv.tmp"));
}

}  // namespace
}  // namespace aria::replayer
