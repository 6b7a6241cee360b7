// The capturing reverse proxy: clients talk to it as to the upstream; every exchange is handed,
// redacted and capped, to a sink that must not block (the store's batched writer).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/parse.hpp"
#include "net/target.hpp"
#include "recorder/visitor.hpp"
#include "store/recordings.hpp"

namespace aria::recorder {

struct ProxyOptions {
  Endpoint listen{"127.0.0.1", 8080};
  net::Target upstream;
  unsigned threads = 0;  // 0: one per core
  std::uint64_t max_body = 1 << 20;  // stored copy; the client always gets the whole body
  std::chrono::microseconds upstream_timeout{std::chrono::seconds(120)};  // real LLM turns take 40-85 s
  std::chrono::microseconds idle_timeout{std::chrono::seconds(60)};
  VisitorRule visitor;
  std::vector<std::string> redact_headers, redact_fields;
  std::string redaction_key;  // random per recording
  bool insecure = false;      // https upstream: skip certificate verification
  std::string ca_file;        // https upstream: trust these certificates besides the system's
  std::string tls_cert, tls_key;  // PEM files: clients speak TLS to the proxy
  std::int64_t recording_id = 0;
};

// Takes a finished exchange; returns false when it had to drop it (the writer fell behind).
using ExchangeSink = std::function<bool(store::ExchangeRow&&)>;

struct ProxyCounters {
  std::uint64_t exchanges = 0;  // handed to the sink
  std::uint64_t dropped = 0;    // refused by the sink
  std::uint64_t bytes = 0;      // request and response body bytes relayed
  std::uint64_t visitors = 0;       // distinct visitors: counted once the proxy is stopped
  std::uint64_t upstream_errors = 0;
};

class Proxy {
 public:
  // Resolves the upstream and loads the TLS material: throws aria::UsageError when either fails.
  Proxy(ProxyOptions options, ExchangeSink sink);
  ~Proxy();
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  void set_recording_id(std::int64_t id);  // before start()
  void start();  // throws aria::RuntimeFailure when the address cannot be bound
  std::uint16_t port() const;
  std::string url() const;
  // Stops accepting, lets in-flight exchanges finish for up to `grace`, then closes everything.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));
  ProxyCounters counters() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aria::recorder
