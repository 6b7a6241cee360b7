// A small blocking HTTP/1.1 and WebSocket client over one keep-alive connection. For the demo's
// checks and for tests; the replayer has its own asynchronous client.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aria::net {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResult {
  int status = 0;
  Headers headers;
  std::string body;
  bool keep_alive = true;
  // The first header of that name (case-insensitive), or "".
  std::string header(std::string_view name) const;
};

class HttpClient {
 public:
  // Connects lazily on the first request; reconnects when the server closed the connection.
  HttpClient(std::string host, std::uint16_t port,
             std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Throws std::system_error when the connection fails or the response is cut off.
  HttpResult request(std::string_view method, std::string_view target, std::string_view body = {},
                     const Headers& headers = {});
  HttpResult get(std::string_view target, const Headers& headers = {}) { return request("GET", target, {}, headers); }
  HttpResult post_json(std::string_view target, std::string_view json, const Headers& headers = {});

  // Sends raw bytes on a fresh connection and returns everything read until the server closes
  // (or the timeout): for malformed-request tests.
  std::string raw_exchange(std::string_view bytes);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class WebSocketClient {
 public:
  // Connects and completes the upgrade to `target`; throws std::system_error on failure, with the
  // HTTP status of a refused upgrade in the message.
  WebSocketClient(const std::string& host, std::uint16_t port, const std::string& target,
                  const Headers& headers = {}, std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
  ~WebSocketClient();
  void send_text(std::string_view text);
  std::string receive_text();  // throws std::system_error on close or error
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace aria::net
