// What the stand-in and the recorder share as servers: one event loop per thread, each loop a
// Worker with an io_context, a thread and a count of requests in flight; an acceptor opened with
// errors a user can act on; and a stop that lets work in flight finish within a grace period.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string_view>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/parse.hpp"

namespace aria::net {

// Opens, binds and listens on `endpoint` ("localhost" means 127.0.0.1) with its completions on
// `ioc`. Throws aria::UsageError when the host is not an IP address and aria::RuntimeFailure
// naming the step that failed and the system's reason, followed by `advice`.
std::unique_ptr<boost::asio::ip::tcp::acceptor> open_acceptor(boost::asio::io_context& ioc, const Endpoint& endpoint,
                                                               std::string_view advice);

// Accepts connections until the acceptor closes, dealing them to the workers in turn (each
// socket then lives on its worker's context) and handing each to `serve(worker, socket)`. Any
// other accept error (out of descriptors, a connection reset before it was accepted) pauses
// 20 ms; then it goes on serving.
template <class Worker, class Serve>
boost::asio::awaitable<void> accept_loop(boost::asio::ip::tcp::acceptor& acceptor,
                                         std::vector<std::unique_ptr<Worker>>& workers, Serve serve) {
  constexpr auto tok = boost::asio::as_tuple(boost::asio::use_awaitable);
  std::size_t next = 0;
  for (;;) {
    Worker& w = *workers[next++ % workers.size()];
    auto [ec, socket] = co_await acceptor.async_accept(w.ioc, tok);
    if (ec) {
      if (ec == boost::asio::error::operation_aborted || !acceptor.is_open()) co_return;
      boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, std::chrono::milliseconds(20));
      co_await t.async_wait(tok);
      continue;
    }
    serve(w, std::move(socket));
  }
}

// Runs each worker's io_context on a thread of its own. A Worker has `ioc` and `thread`.
template <class Worker>
void run_loops(std::vector<std::unique_ptr<Worker>>& workers) {
  for (auto& w : workers) {
    Worker* wp = w.get();
    wp->thread = std::thread([wp] {
      auto guard = boost::asio::make_work_guard(wp->ioc);
      wp->ioc.run();
    });
  }
}

// Waits until no worker has anything `in_flight` or `grace` has passed, then stops every loop
// and joins its thread.
template <class Worker>
void drain_and_join(std::vector<std::unique_ptr<Worker>>& workers, std::chrono::milliseconds grace) {
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto busy = [&] {
    for (auto& w : workers)
      if (w->in_flight.load() > 0) return true;
    return false;
  };
  while (busy() && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (auto& w : workers) w->ioc.stop();
  for (auto& w : workers)
    if (w->thread.joinable()) w->thread.join();
}

}  // namespace aria::net
