// `aria-harness record` and `aria-harness recordings`.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace aria::recorder {

struct RecordOptions {
  std::string db_path;
  std::string upstream;
  std::string listen = "127.0.0.1:8080";
  std::string label;
  std::string visitor_key;  // cookie:NAME | header:NAME; empty: credential, else connection
  std::vector<std::string> redact_headers, redact_fields;
  std::uint64_t max_body = 1 << 20;
  std::chrono::microseconds upstream_timeout{std::chrono::seconds(120)};
  unsigned threads = 0;
  bool insecure = false;    // https upstream: skip certificate verification
  std::string ca_file;      // https upstream: extra trusted certificates (PEM)
  std::string tls_cert, tls_key;  // listen with TLS
  std::size_t queue = 65536;  // exchanges waiting for the disk before new ones are dropped
  bool quiet = false;
};

struct RecordingSummary {
  std::uint64_t exchanges = 0, visitors = 0, bytes = 0, dropped = 0, upstream_errors = 0;
  std::string store_error;  // the writer's last error, "" when none
};

// A recording under way: the store opened, the recording begun, the proxy listening and the
// writer running, until stop() (or destruction) flushes and ends it. Throws aria::UsageError for
// bad options (before the store is touched), aria::RuntimeFailure when the address cannot be bound
// (the begun recording is removed again).
class Recording {
 public:
  explicit Recording(const RecordOptions& options);
  ~Recording();
  Recording(const Recording&) = delete;
  Recording& operator=(const Recording&) = delete;

  std::int64_t id() const;
  std::string url() const;  // where clients go, e.g. http://127.0.0.1:8080
  std::string upstream() const;
  std::string visitor_rule() const;
  // Stops accepting, lets exchanges in flight finish within `grace`, stores everything queued and
  // marks the recording ended. Once; later calls return an empty summary.
  RecordingSummary stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Records until SIGINT or SIGTERM, then flushes and prints a summary. Returns the exit code.
int record(const RecordOptions& options);

int list_recordings(const std::string& db_path, bool json);

}  // namespace aria::recorder
