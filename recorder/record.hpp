// `aria-harness record` and `aria-harness recordings`.
#pragma once

#include <chrono>
#include <cstdint>
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

// Records until SIGINT or SIGTERM, then flushes and prints a summary. Returns the exit code.
int record(const RecordOptions& options);

int list_recordings(const std::string& db_path, bool json);

}  // namespace aria::recorder
