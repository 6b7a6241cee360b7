#include "mock/server.hpp"

#include <array>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <list>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <fmt/format.h>

#include "core/errors.hpp"
#include "mock/router.hpp"
#include "net/http_errors.hpp"
#include "net/event_loops.hpp"
#include "net/system.hpp"

namespace aria::mock {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using std::chrono::steady_clock;

namespace {

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::size_t kBodyLimit = 8 * 1024 * 1024;
constexpr auto kWriteTimeout = std::chrono::seconds(30);

// A request's X-Correlation-ID when it is short printable ASCII; else nothing.
std::string_view usable_correlation_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return {};
  for (char c : id)
    if (c < 0x21 || c > 0x7e) return {};
  return id;
}

}  // namespace

// One thread and its io_context. Only that thread touches the sockets, the rng and its metrics shard.
struct Worker {
  asio::io_context ioc{1};
  Rng rng;
  Metrics::Shard* metrics = nullptr;
  std::atomic<int> in_flight{0};
  std::thread thread;
};

struct Server::Impl {
  Options options;
  Router router;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<tcp::acceptor> acceptor;  // lives on workers[0]
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> accepted{0};
  std::uint16_t port = 0;
  bool running = false;

  explicit Impl(Options o) : options(std::move(o)), router(options) {}

  asio::awaitable<void> session(Worker& w, tcp::socket socket);
  asio::awaitable<void> chat_socket(Worker& w, beast::tcp_stream stream, http::request<http::string_body> req,
                                    std::string session_id);
};

namespace {

Options resolved(Options o) {
  if (o.threads == 0) o.threads = std::max(1u, std::thread::hardware_concurrency());
  return o;
}

// Counts a request as in flight for as long as it lives.
struct InFlight {
  std::atomic<int>& n;
  explicit InFlight(std::atomic<int>& c) : n(c) { n.fetch_add(1, std::memory_order_relaxed); }
  ~InFlight() { n.fetch_sub(1, std::memory_order_relaxed); }
};

void log_session_error(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "aria-harness mock: connection ended by an error: %s\n", ex.what());
  }
}

}  // namespace

asio::awaitable<void> Server::Impl::session(Worker& w, tcp::socket socket) {
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto remote = socket.remote_endpoint(ec);
  std::string peer = ec ? std::string() : remote.address().to_string();
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  std::string header_block;  // reused by every response on this connection

  while (!stopping.load(std::memory_order_relaxed)) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kBodyLimit);
    stream.expires_after(options.idle_timeout);
    auto [rec, n] = co_await http::async_read(stream, buffer, parser, kTok);
    if (rec) {
      if (int status = net::status_for_read_error(rec)) {
        // A malformed request: say so and close; other clients are untouched.
        http::response<http::string_body> bad{static_cast<http::status>(status), 11};
        bad.set(http::field::server, "aria-mock");
        bad.set(http::field::content_type, "application/json");
        bad.body() = fmt::format(R"({{"detail":"{}"}})", rec.message());
        bad.keep_alive(false);
        bad.prepare_payload();
        stream.expires_after(kWriteTimeout);
        co_await http::async_write(stream, bad, kTok);
        Metrics::observe(*w.metrics, Route::bad_request, "OTHER", status, 0);
      }
      break;
    }
    InFlight guard(w.in_flight);
    const auto t0 = steady_clock::now();
    auto& req = parser.get();
    Request r;
    r.method = req.method_string();
    r.target = req.target();
    r.body = req.body();
    r.api_key = req["X-API-Key"];
    r.forwarded_for = req["X-Forwarded-For"];
    r.peer_ip = peer;
    r.websocket_upgrade = websocket::is_upgrade(req);
    Response res = router.handle(r, w.rng);

    if (res.delay.count() > 0) {
      asio::steady_timer timer(stream.get_executor(), res.delay);
      co_await timer.async_wait(kTok);
    }
    if (res.upgrade) {
      Metrics::observe(*w.metrics, res.route, r.method, 101, 0);
      co_await chat_socket(w, std::move(stream), parser.release(), std::move(res.session_id));
      co_return;
    }

    // The response is written by hand: one header block and the body, gathered into one write.
    // Beast's serializer walks its field list per request, and this path is the hot one.
    const bool keep_alive = req.keep_alive() && !stopping.load(std::memory_order_relaxed);
    const bool head = req.method() == http::verb::head;
    const double elapsed = std::chrono::duration<double>(steady_clock::now() - t0).count();
    auto cid = usable_correlation_id(req["X-Correlation-ID"]);
    header_block.clear();
    auto out = std::back_inserter(header_block);
    fmt::format_to(out, "HTTP/1.{} {} {}\r\nServer: aria-mock\r\nContent-Type: {}\r\nContent-Length: {}\r\n",
                   req.version() == 10 ? 0 : 1, res.status, http::obsolete_reason(static_cast<http::status>(res.status)),
                   res.content_type, res.body.size());
    if (cid.empty()) fmt::format_to(out, "X-Correlation-ID: {:08x}\r\n", static_cast<std::uint32_t>(w.rng()));
    else fmt::format_to(out, "X-Correlation-ID: {}\r\n", cid);
    fmt::format_to(out, "X-Response-Time-Ms: {:.2f}\r\n", elapsed * 1000);
    if (res.retry_after > 0) fmt::format_to(out, "Retry-After: {}\r\n", res.retry_after);
    if (!keep_alive) header_block += "Connection: close\r\n";
    else if (req.version() == 10) header_block += "Connection: keep-alive\r\n";
    header_block += "\r\n";

    std::string_view body = head ? std::string_view() : std::string_view(res.body);
    // Fault: the headers and half the body, then the connection goes away.
    if (res.drop) body = body.substr(0, body.size() / 2);
    const std::array<asio::const_buffer, 2> buffers{asio::buffer(header_block), asio::buffer(body.data(), body.size())};
    stream.expires_after(kWriteTimeout);
    auto [wec, wn] = co_await asio::async_write(stream, buffers, kTok);
    Metrics::observe(*w.metrics, res.route, r.method, res.status,
                     std::chrono::duration<double>(steady_clock::now() - t0).count());
    if (res.drop) {
      w.metrics->dropped_connections.fetch_add(1, std::memory_order_relaxed);
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      co_return;
    }
    if (wec || !keep_alive) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

asio::awaitable<void> Server::Impl::chat_socket(Worker& w, beast::tcp_stream stream,
                                                http::request<http::string_body> req, std::string session_id) {
  stream.expires_never();  // the WebSocket stream keeps its own timeouts
  websocket::stream<beast::tcp_stream> ws(std::move(stream));
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "aria-mock"); }));
  ws.read_message_max(kBodyLimit);
  auto [aec] = co_await ws.async_accept(req, kTok);
  if (aec) co_return;
  beast::flat_buffer buffer;
  while (!stopping.load(std::memory_order_relaxed)) {
    auto [rec, n] = co_await ws.async_read(buffer, kTok);
    if (rec) break;
    w.metrics->ws_messages.fetch_add(1, std::memory_order_relaxed);
    std::string text = beast::buffers_to_string(buffer.data());
    buffer.consume(buffer.size());
    InFlight guard(w.in_flight);
    for (auto& frame : router.websocket_turn(session_id, text, w.rng)) {
      if (frame.delay.count() > 0) {
        asio::steady_timer timer(ws.get_executor(), frame.delay);
        co_await timer.async_wait(kTok);
      }
      ws.text(true);
      auto [wec, wn] = co_await ws.async_write(asio::buffer(frame.text), kTok);
      if (wec) co_return;
    }
  }
  if (ws.is_open()) co_await ws.async_close(websocket::close_code::going_away, kTok);
}

Server::Server(Options options) : impl_(std::make_unique<Impl>(resolved(std::move(options)))) {}

Server::~Server() { stop(std::chrono::milliseconds(0)); }

Router& Server::router() { return impl_->router; }
unsigned Server::threads() const { return impl_->options.threads; }
std::uint16_t Server::port() const { return impl_->port; }
std::uint64_t Server::connections_accepted() const { return impl_->accepted.load(); }

std::string Server::url() const {
  const auto& host = impl_->options.listen.host;
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}", v6 ? "[" : "", host, v6 ? "]" : "", impl_->port);
}

void Server::start() {
  auto& im = *impl_;
  if (im.running) return;
  net::raise_open_files_limit(1 << 18);  // room for 50,000 clients and more
  std::random_device seed;
  for (unsigned i = 0; i < im.options.threads; ++i) {
    auto w = std::make_unique<Worker>();
    w->rng.seed((static_cast<std::uint64_t>(seed()) << 32) ^ seed() ^ i);
    w->metrics = &im.router.metrics().shard(i);
    im.workers.push_back(std::move(w));
  }
  try {
    im.acceptor = net::open_acceptor(im.workers[0]->ioc, im.options.listen,
                                     "choose another --listen address or stop what holds the port");
  } catch (...) {
    im.workers.clear();
    throw;
  }
  im.port = im.acceptor->local_endpoint().port();
  // Connections are dealt to the threads in turn; each socket lives on its worker's context.
  asio::co_spawn(im.workers[0]->ioc,
                 net::accept_loop(*im.acceptor, im.workers,
                                  [&im](Worker& w, tcp::socket socket) {
                                    im.accepted.fetch_add(1, std::memory_order_relaxed);
                                    asio::co_spawn(w.ioc, im.session(w, std::move(socket)), log_session_error);
                                  }),
                 log_session_error);
  net::run_loops(im.workers);
  im.running = true;
}

void Server::stop(std::chrono::milliseconds grace) {
  auto& im = *impl_;
  if (!im.running) return;
  im.running = false;
  im.stopping = true;
  asio::post(im.workers[0]->ioc, [&im] {
    boost::system::error_code ec;
    im.acceptor->close(ec);
  });
  // Let responses already being produced reach their clients.
  net::drain_and_join(im.workers, grace);
  im.acceptor.reset();
  im.workers.clear();  // destroys the contexts, and with them every open connection
}

int run(const Options& options) {
  net::block_stop_signals();
  Server server(options);
  server.start();
  if (!options.quiet) {
    const auto& o = options;
    std::string llm = o.llm.profile == LlmLatency::Profile::realistic
                          ? std::string("realistic 40-85s")
                          : fmt::format("{} ± {}", format_duration(o.llm.median), format_duration(o.llm.jitter));
    std::string rate = o.rate_limit ? fmt::format("{} writes per {} per client", o.rate_limit->count,
                                                  format_duration(o.rate_limit->window))
                                    : std::string("off");
    std::string faults = "off";
    if (o.faults.any())
      faults = fmt::format("errors {:g}%, LLM errors {:g}%, drops {:g}%, added latency {}", o.faults.error_rate * 100,
                           o.faults.llm_error_rate * 100, o.faults.drop_rate * 100,
                           format_duration(o.faults.added_latency));
    std::printf(
        "aria-harness mock: the stand-in Aria is listening on %s\n"
        "  threads %u | mock LLM %s | API key %s | rate limit %s | faults %s\n"
        "  try: curl %s/api/health    stop: Ctrl-C\n",
        server.url().c_str(), server.threads(), llm.c_str(), o.api_key ? "required" : "off", rate.c_str(),
        faults.c_str(), server.url().c_str());
    std::fflush(stdout);
  }
  int sig = net::wait_for_stop_signal();
  net::unblock_stop_signals();
  auto requests = server.router().metrics().total_requests();
  auto accepted = server.connections_accepted();
  server.stop();
  if (!options.quiet) {
    std::printf("aria-harness mock: stopped on %s after %.1fs: %llu requests on %llu connections\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM", server.router().uptime_seconds(),
                static_cast<unsigned long long>(requests), static_cast<unsigned long long>(accepted));
  }
  return kExitOk;
}

}  // namespace aria::mock
