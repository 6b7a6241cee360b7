// The stand-in Aria server: Beast over one io_context per thread, one coroutine per connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "mock/options.hpp"

namespace aria::mock {

class Router;

class Server {
 public:
  explicit Server(Options options);
  ~Server();  // stops if running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds the listener and starts the threads. Throws aria::RuntimeFailure when the address
  // cannot be bound (in use, not local), naming the address.
  void start();
  std::uint16_t port() const;
  std::string url() const;  // "http://127.0.0.1:PORT"

  // Stops accepting, lets in-flight responses finish for up to `grace`, closes every connection
  // and joins the threads. Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::milliseconds(2000));

  Router& router();
  unsigned threads() const;
  std::uint64_t connections_accepted() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `aria-harness mock`: start, print the address, serve until SIGINT or SIGTERM, stop, summarize.
int run(const Options& options);

}  // namespace aria::mock
