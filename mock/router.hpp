// The stand-in's request handling as plain functions over plain types: no sockets here, so every
// route, check and fault is testable without a network. mock/server.cpp owns the I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "mock/content.hpp"
#include "mock/metrics.hpp"
#include "mock/options.hpp"
#include "mock/rate_limiter.hpp"
#include "mock/routes.hpp"
#include "mock/state.hpp"

namespace aria::mock {

using Rng = std::mt19937_64;

// What the server read: views into its buffers, valid for the call.
struct Request {
  std::string_view method;
  std::string_view target;  // origin form: path and query
  std::string_view body;
  std::string_view api_key;         // X-API-Key
  std::string_view forwarded_for;   // X-Forwarded-For
  std::string_view peer_ip;         // the TCP peer
  bool websocket_upgrade = false;
};

struct Response {
  Route route = Route::not_found;
  int status = 200;
  std::string_view content_type = "application/json";
  std::string body;
  std::int64_t retry_after = 0;  // seconds; sent as Retry-After when > 0
  std::chrono::microseconds delay{0};  // wait before sending: mock LLM time, added latency
  bool drop = false;             // fault: send half the body, then close the connection
  bool upgrade = false;          // WebSocket: accept the upgrade for `session_id`
  std::string session_id;
};

// One frame the server sends on the chat WebSocket, after waiting `delay`.
struct WsFrame {
  std::chrono::microseconds delay{0};
  std::string text;
};

class Router {
 public:
  explicit Router(Options options);

  Response handle(const Request& request, Rng& rng);

  // One client text frame on /ws/chat/{id}: the frames to answer with, in order.
  std::vector<WsFrame> websocket_turn(std::string_view session_id, std::string_view client_text, Rng& rng);

  // A mock-LLM latency drawn from the configured profile.
  std::chrono::microseconds draw_llm_latency(Rng& rng) const;

  const Options& options() const { return options_; }
  SessionStore& sessions() { return sessions_; }
  const Content& content() const { return content_; }
  double uptime_seconds() const;
  Metrics& metrics() { return metrics_; }

 private:
  Response dispatch(const Request& request, std::string_view path, std::string_view query, Rng& rng);
  Response chat_seed(const Request& request, Rng& rng);
  Response engine_create(const Request& request, Rng& rng);
  Response engine_message(const Request& request, std::string_view id, Rng& rng);
  Response engine_messages(std::string_view id);
  Response engine_search(std::string_view query);
  Response history(std::string_view id, std::string_view query);
  Response search_seed(std::string_view query);

  Options options_;
  Content content_;
  SessionStore sessions_;
  Metrics metrics_;
  std::unique_ptr<RateLimiter> limiter_;
  std::string agents_json_, skills_json_, models_json_, status_json_;
  std::chrono::steady_clock::time_point started_;
};

}  // namespace aria::mock
