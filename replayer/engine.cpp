#include "replayer/engine.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <deque>
#include <future>
#include <thread>
#include <unordered_set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/parse.hpp"
#include "net/system.hpp"
#include "replayer/checks.hpp"

namespace aria::replayer {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::microseconds;

namespace {

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);
constexpr std::uint64_t kBodyLimit = 256ull * 1024 * 1024;
constexpr std::size_t kKeepBuffer = 64 * 1024;  // idle users keep no more read buffer than this
constexpr auto kMainTick = std::chrono::milliseconds(100);  // the longest the main thread sleeps

std::int64_t micros(Clock::duration d) { return std::chrono::duration_cast<microseconds>(d).count(); }

// The failure a transport error stands for.
Failure classify(const boost::system::error_code& ec, bool connecting, microseconds timeout) {
  if (ec == beast::error::timeout) return {FailureKind::timeout, fmt::format("Timeout after {}", format_duration(timeout))};
  if (connecting) return {FailureKind::connect, fmt::format("Cannot connect: {}", ec.message())};
  if (ec == asio::error::connection_reset) return {FailureKind::reset, "Connection reset by peer"};
  if (ec == asio::error::eof || ec == http::error::end_of_stream || ec == http::error::partial_message ||
      ec == asio::error::broken_pipe)
    return {FailureKind::reset, "Connection closed by the server"};
  if (ec.category() == http::make_error_code(http::error::end_of_stream).category())
    return {FailureKind::other, fmt::format("Invalid HTTP response: {}", ec.message())};
  return {FailureKind::other, ec.message()};
}

struct Connection {
  std::optional<beast::tcp_stream> stream;               // plain HTTP
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;  // https targets
  beast::flat_buffer buffer;
  std::string head, body;  // the request being sent, reused
  std::uint64_t exchanges = 0;  // on the current stream
  bool open() const { return stream || tls; }
  beast::tcp_stream& tcp() { return stream ? *stream : beast::get_lowest_layer(*tls); }
  void close() {
    if (open()) {
      boost::system::error_code ec;
      tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
      stream.reset();
      tls.reset();
    }
    buffer.clear();
    exchanges = 0;
  }
};

// Writes the request and reads the response on a plain or TLS stream.
template <class Stream>
asio::awaitable<boost::system::error_code> exchange(Stream& stream, const std::array<asio::const_buffer, 2>& request,
                                                    beast::flat_buffer& buffer,
                                                    http::response_parser<http::string_body>& parser) {
  auto [wec, wn] = co_await asio::async_write(stream, request, kTok);
  if (wec) co_return wec;
  auto [rec, rn] = co_await http::async_read(stream, buffer, parser, kTok);
  co_return rec;
}

struct VirtualUser {
  std::size_t class_index = 0;
  std::uint64_t number = 0;
  Vars vars;
  Connection conn;
  bool started = false;  // on_start done
  // The messages this user sent last, newest first: a person does not send the same text twice
  // in a row (and Aria refuses a repeat within 5 s).
  std::array<std::uint32_t, 8> recent{};
  std::size_t recent_count = 0;
};

// A message from the set that is none of the user's last few (as many as the set allows).
std::size_t draw_message(VirtualUser& u, std::size_t messages, std::mt19937_64& rng) {
  const std::size_t avoid = std::min(u.recent_count, std::min(u.recent.size(), messages - 1));
  std::size_t pick = 0;
  for (;;) {
    pick = std::uniform_int_distribution<std::size_t>(0, messages - 1)(rng);
    bool fresh = true;
    for (std::size_t i = 0; i < avoid; ++i) fresh = fresh && u.recent[i] != pick;
    if (fresh) break;
  }
  std::move_backward(u.recent.begin(), u.recent.end() - 1, u.recent.end());
  u.recent[0] = static_cast<std::uint32_t>(pick);
  u.recent_count = std::min(u.recent_count + 1, u.recent.size());
  return pick;
}

// Task iterations waiting for a free user of their class (arrival mode).
struct Pending {
  std::deque<Clock::time_point> intended;
};

}  // namespace

namespace {
tcp::resolver::results_type resolve(const Target& target) {
  asio::io_context ctx;
  tcp::resolver resolver(ctx);
  boost::system::error_code ec;
  auto endpoints = resolver.resolve(target.host, target.port, ec);
  if (ec) throw UsageError(fmt::format("cannot resolve the host of --host {}: {}", target.url, ec.message()));
  return endpoints;
}
}  // namespace

void check_resolvable(const Target& target) { resolve(target); }

// One thread with its io_context. Everything here is touched by that thread only, except the
// atomics the main thread reads for progress.
struct Worker {
  std::thread thread;
  std::size_t index = 0;
  std::mt19937_64 rng;
  Stats stats;
  std::vector<ClassTally> tally;
  // progress window, read and reset by a posted snapshot
  std::uint64_t window_requests = 0, window_failures = 0;
  Histogram window_latency;
  std::uint64_t total_requests = 0, total_failures = 0;
  Histogram loop_lag;
  bool stopping = false;
  std::unordered_set<asio::steady_timer*> sleepers;  // cancelled on stop
  std::atomic<std::uint64_t> alive{0};               // user coroutines running
  std::atomic<std::uint64_t> users_started{0};
  // arrival mode
  std::vector<std::vector<VirtualUser*>> idle;  // per class
  std::vector<std::uint64_t> allocated, max_users;
  std::vector<Pending> pending;
  std::vector<std::unique_ptr<VirtualUser>> pool;
  std::uint64_t late = 0;
  // Last, so it is destroyed first: the coroutine frames it still holds go before the state
  // they point into. The users in `pool` must have closed their connections by then.
  asio::io_context ioc{1};
};

struct Engine::Impl {
  const Plan& plan;
  EngineOptions options;
  std::vector<std::unique_ptr<Worker>> workers;
  tcp::resolver::results_type endpoints;
  std::unique_ptr<asio::ssl::context> tls;  // set for an https target
  Clock::time_point t0;
  std::atomic<std::uint64_t> user_numbers{0};
  std::atomic<std::uint64_t> sessions_ended{0};  // verbatim mode

  Impl(const Plan& p, EngineOptions o) : plan(p), options(std::move(o)) {}

  // Waits `d` unless the run stops first; false when stopped.
  asio::awaitable<bool> sleep_until(Worker& w, Clock::time_point when) {
    if (w.stopping) co_return false;
    asio::steady_timer timer(w.ioc, when);
    w.sleepers.insert(&timer);
    co_await timer.async_wait(kTok);
    w.sleepers.erase(&timer);
    co_return !w.stopping;
  }

  asio::awaitable<void> run_step(Worker& w, VirtualUser& u, const StepPlan& step, Clock::time_point intended);
  asio::awaitable<void> run_steps(Worker& w, VirtualUser& u, const std::vector<StepPlan>& steps,
                                  Clock::time_point intended, bool stop_early);
  asio::awaitable<void> closed_user(Worker& w, std::size_t class_index, std::uint64_t number);
  asio::awaitable<void> verbatim_user(Worker& w, std::size_t class_index, std::uint64_t number);
  asio::awaitable<void> arrival_iteration(Worker& w, VirtualUser* u, Clock::time_point intended);
  asio::awaitable<void> arrivals(Worker& w, Clock::time_point deadline);
  asio::awaitable<void> lag_monitor(Worker& w);
  void stop_worker(Worker& w);
};

asio::awaitable<void> Engine::Impl::run_step(Worker& w, VirtualUser& u, const StepPlan& step,
                                             Clock::time_point intended) {
  const model::Model& model = *plan.model;
  std::string_view message;
  if (step.needs_message && !model.messages.empty())
    message = model.messages[draw_message(u, model.messages.size(), w.rng)];

  // The request is serialized by hand into buffers the user keeps: Beast's field list and
  // serializer cost more per request than the rest of the client together.
  std::string& head = u.conn.head;
  std::string& body = u.conn.body;
  head.clear();
  body.clear();
  head += step.method;
  head += ' ';
  step.path.render(head, u.vars, message);
  for (std::size_t i = 0; i < step.query.size(); ++i) {
    head += i == 0 ? '?' : '&';
    head += step.query[i].first;
    head += '=';
    step.query[i].second.render(head, u.vars, message);
  }
  head += " HTTP/1.1\r\nHost: ";
  head += options.target.host_header;
  head += "\r\nUser-Agent: aria-harness/replay\r\n";
  bool content_type = false;
  for (const auto& [name, value] : step.headers) {
    head += name;
    head += ": ";
    const auto start = head.size();
    value.render(head, u.vars, message);
    // A value taken from a response must not be able to add headers of its own.
    for (auto i = start; i < head.size(); ++i)
      if (head[i] == '\r' || head[i] == '\n') head[i] = ' ';
    head += "\r\n";
    content_type = content_type || beast::iequals(name, "content-type");
  }
  if (step.has_body) {
    step.body.render(body, u.vars, message);
    if (step.body_is_json && !content_type) head += "Content-Type: application/json\r\n";
  }
  if (step.has_body || step.method == "POST" || step.method == "PUT" || step.method == "PATCH")
    fmt::format_to(std::back_inserter(head), "Content-Length: {}\r\n", body.size());
  head += "\r\n";
  const bool is_head = step.method == "HEAD";
  const std::array<asio::const_buffer, 2> request{asio::buffer(head), asio::buffer(body)};

  const auto actual = Clock::now();
  std::optional<Failure> failure;
  std::optional<http::response_parser<http::string_body>> parser;
  bool got_response = false;
  for (int attempt = 0; attempt < 2 && !got_response; ++attempt) {
    bool connecting = false;
    boost::system::error_code ec;
    const bool reused = u.conn.open() && u.conn.exchanges > 0;
    if (!u.conn.open()) {
      connecting = true;
      if (tls) u.conn.tls.emplace(w.ioc, *tls);
      else u.conn.stream.emplace(w.ioc);
      auto& lowest = u.conn.tcp();
      lowest.expires_after(options.timeout);
      auto [cec, ep] = co_await lowest.async_connect(endpoints, kTok);
      ec = cec;
      if (!ec) lowest.socket().set_option(tcp::no_delay(true), ec);
      if (!ec && u.conn.tls) {
        // SNI for names (not addresses) and the host-name check, as a browser does.
        boost::system::error_code not_an_address;
        asio::ip::make_address(options.target.host, not_an_address);
        if (not_an_address) SSL_set_tlsext_host_name(u.conn.tls->native_handle(), options.target.host.c_str());
        u.conn.tls->set_verify_callback(asio::ssl::host_name_verification(options.target.host));
        auto [hec] = co_await u.conn.tls->async_handshake(asio::ssl::stream_base::client, kTok);
        ec = hec;
      }
    }
    if (!ec) {
      connecting = false;
      u.conn.tcp().expires_after(options.timeout);  // one deadline for the write and the read
      parser.emplace();
      parser->body_limit(kBodyLimit);
      if (is_head) parser->skip(true);
      if (u.conn.tls) ec = co_await exchange(*u.conn.tls, request, u.conn.buffer, *parser);
      else ec = co_await exchange(*u.conn.stream, request, u.conn.buffer, *parser);
    }
    if (!ec) {
      got_response = true;
      ++u.conn.exchanges;
      break;
    }
    // A kept-alive connection the server closed while idle: retry once on a fresh one.
    bool stale = reused && (!parser || !parser->got_some()) &&
                 (ec == asio::error::eof || ec == http::error::end_of_stream || ec == asio::error::connection_reset ||
                  ec == asio::error::broken_pipe);
    u.conn.close();
    if (!stale || attempt > 0) failure = classify(ec, connecting, options.timeout);
  }
  const auto done = Clock::now();

  std::uint64_t bytes = 0;
  if (got_response) {
    auto& res = parser->get();
    bytes = res.body().size();
    LazyJson json(res.body());
    failure = evaluate_check(step.source->check, res.result_int(), json);
    if (!failure && !step.source->extract.empty()) {
      auto header = [&res](std::string_view name) { return std::string(res[name]); };
      failure = apply_extractions(*step.source, step.regexes, res.body(), json, header, u.vars);
    }
    if (!res.keep_alive()) u.conn.close();
  }
  if (u.conn.buffer.capacity() > kKeepBuffer && u.conn.buffer.size() == 0) u.conn.buffer.shrink_to_fit();

  const std::int64_t second = std::chrono::duration_cast<std::chrono::seconds>(done - t0).count();
  const auto actual_us = micros(done - actual), intended_us = micros(done - std::min(intended, actual));
  w.stats.record(step.key, actual_us, intended_us, bytes, failure.has_value(), second);
  if (failure) w.stats.record_failure(step.key, failure->kind, std::move(failure->message));
  ++w.window_requests;
  ++w.total_requests;
  w.window_latency.record(actual_us);
  if (failure) {
    ++w.window_failures;
    ++w.total_failures;
  }
}

asio::awaitable<void> Engine::Impl::run_steps(Worker& w, VirtualUser& u, const std::vector<StepPlan>& steps,
                                              Clock::time_point intended, bool stop_early) {
  for (const auto& step : steps) {
    if (stop_early && w.stopping) co_return;
    co_await run_step(w, u, step, intended);
    intended = Clock::now();  // the next step was meant to go as soon as this one ended
  }
}

asio::awaitable<void> Engine::Impl::closed_user(Worker& w, std::size_t class_index, std::uint64_t number) {
  w.alive.fetch_add(1, std::memory_order_relaxed);
  const ClassPlan& cls = plan.classes[class_index];
  VirtualUser u;
  u.class_index = class_index;
  u.number = number;
  u.vars = make_user_vars(cls, plan, number, w.rng);
  auto& tally = w.tally[class_index];
  ++tally.users;
  co_await run_steps(w, u, cls.on_start, Clock::now(), true);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto intended = Clock::now();
  while (!w.stopping) {
    auto t = cls.pick_task(unit(w.rng));
    ++tally.iterations;
    ++tally.tasks[t];
    co_await run_steps(w, u, cls.tasks[t].steps, intended, true);
    auto think = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(cls.source->think.at(unit(w.rng))));
    intended = Clock::now() + think;
    // No think time: go straight on. An already-due timer would cost two timerfd updates.
    if (think.count() > 0 && !co_await sleep_until(w, intended)) break;
  }
  co_await run_steps(w, u, cls.on_stop, Clock::now(), false);
  u.conn.close();
  w.alive.fetch_sub(1, std::memory_order_relaxed);
}

// One recorded session, played once: from its start time, each step after its recorded delay,
// both divided by the speed.
asio::awaitable<void> Engine::Impl::verbatim_user(Worker& w, std::size_t class_index, std::uint64_t number) {
  const ClassPlan& cls = plan.classes[class_index];
  auto scaled = [this](double seconds) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds / options.speed));
  };
  auto& tally = w.tally[class_index];
  ++tally.users;
  bool finished = false;
  if (co_await sleep_until(w, t0 + scaled(cls.source->start_s))) {
    w.alive.fetch_add(1, std::memory_order_relaxed);
    VirtualUser u;
    u.class_index = class_index;
    u.number = number;
    u.vars = make_user_vars(cls, plan, number, w.rng);
    finished = true;
    for (const auto& step : cls.tasks.at(0).steps) {
      auto intended = Clock::now() + scaled(step.source->delay_s);
      if (step.source->delay_s > 0 && !co_await sleep_until(w, intended)) {
        finished = false;
        break;
      }
      if (w.stopping) {
        finished = false;
        break;
      }
      co_await run_step(w, u, step, intended);
    }
    u.conn.close();
    w.alive.fetch_sub(1, std::memory_order_relaxed);
  }
  if (finished) ++tally.iterations;
  sessions_ended.fetch_add(1, std::memory_order_relaxed);
}

asio::awaitable<void> Engine::Impl::arrival_iteration(Worker& w, VirtualUser* u, Clock::time_point intended) {
  w.alive.fetch_add(1, std::memory_order_relaxed);
  const ClassPlan& cls = plan.classes[u->class_index];
  auto& tally = w.tally[u->class_index];
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (;;) {
    if (!u->started) {
      u->started = true;
      co_await run_steps(w, *u, cls.on_start, intended, true);
      intended = std::min(intended, Clock::now());
    }
    if (w.stopping) break;
    auto t = cls.pick_task(unit(w.rng));
    ++tally.iterations;
    ++tally.tasks[t];
    co_await run_steps(w, *u, cls.tasks[t].steps, intended, true);
    // Take the oldest iteration that waited for a free user of this class, else go idle.
    auto& waiting = w.pending[u->class_index].intended;
    if (w.stopping || waiting.empty()) break;
    intended = waiting.front();
    waiting.pop_front();
  }
  w.idle[u->class_index].push_back(u);
  w.alive.fetch_sub(1, std::memory_order_relaxed);
}

asio::awaitable<void> Engine::Impl::arrivals(Worker& w, Clock::time_point deadline) {
  // This worker starts every N-th iteration of the run's schedule, offset by its index.
  const double n = static_cast<double>(workers.size());
  const double period_s = n / options.arrival_rate;
  std::vector<double> weights;
  for (const auto& c : plan.classes) weights.push_back(c.weight);
  ClassSequence sequence(weights);
  for (std::uint64_t k = 0;; ++k) {
    auto at = t0 + std::chrono::duration_cast<Clock::duration>(
                       std::chrono::duration<double>((static_cast<double>(k) + static_cast<double>(w.index) / n) * period_s));
    if (at >= deadline) break;
    if (!co_await sleep_until(w, at)) break;
    auto c = sequence.next();
    VirtualUser* u = nullptr;
    if (!w.idle[c].empty()) {
      u = w.idle[c].back();
      w.idle[c].pop_back();
    } else if (w.allocated[c] < w.max_users[c]) {
      ++w.allocated[c];
      auto fresh = std::make_unique<VirtualUser>();
      fresh->class_index = c;
      fresh->number = ++user_numbers;
      fresh->vars = make_user_vars(plan.classes[c], plan, fresh->number, w.rng);
      ++w.tally[c].users;
      w.users_started.fetch_add(1, std::memory_order_relaxed);
      u = fresh.get();
      w.pool.push_back(std::move(fresh));
    } else {
      // Every user of the class is busy: the iteration waits, and its latency counts the wait.
      w.pending[c].intended.push_back(at);
      ++w.late;
      continue;
    }
    asio::co_spawn(w.ioc, arrival_iteration(w, u, at), asio::detached);
  }
}

asio::awaitable<void> Engine::Impl::lag_monitor(Worker& w) {
  constexpr auto kTick = std::chrono::milliseconds(50);
  asio::steady_timer timer(w.ioc);
  auto next = Clock::now() + kTick;
  while (!w.stopping) {
    timer.expires_at(next);
    w.sleepers.insert(&timer);
    co_await timer.async_wait(kTok);
    w.sleepers.erase(&timer);
    if (w.stopping) break;
    auto now = Clock::now();
    w.loop_lag.record(std::max<std::int64_t>(1, micros(now - next)));
    next = now + kTick;
  }
}

void Engine::Impl::stop_worker(Worker& w) {
  w.stopping = true;
  for (auto* t : w.sleepers) t->cancel();
  // Arrival mode: the users at rest run their on_stop now.
  for (std::size_t c = 0; c < w.idle.size(); ++c) {
    for (auto* u : w.idle[c]) {
      if (!u->started) continue;
      w.alive.fetch_add(1, std::memory_order_relaxed);
      asio::co_spawn(
          w.ioc,
          [this, &w, u]() -> asio::awaitable<void> {
            co_await run_steps(w, *u, plan.classes[u->class_index].on_stop, Clock::now(), false);
            u->conn.close();
            w.alive.fetch_sub(1, std::memory_order_relaxed);
          },
          asio::detached);
    }
    w.idle[c].clear();
  }
}

Engine::Engine(const Plan& plan, EngineOptions options) : impl_(std::make_unique<Impl>(plan, std::move(options))) {}
Engine::~Engine() = default;

EngineResult Engine::run(const std::function<void(const Progress&)>& progress, std::chrono::milliseconds every) {
  auto& im = *impl_;
  auto& o = im.options;
  const unsigned threads = o.threads ? o.threads : std::max(1u, std::thread::hardware_concurrency());
  net::raise_open_files_limit(o.users + 1024);

  im.endpoints = resolve(o.target);
  if (o.target.tls) {
    im.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    boost::system::error_code ec;
    im.tls->set_default_verify_paths(ec);
    if (!o.ca_file.empty()) {
      im.tls->load_verify_file(o.ca_file, ec);
      if (ec) throw UsageError(fmt::format("--ca-file {}: cannot load certificates: {}", o.ca_file, ec.message()));
    }
    im.tls->set_verify_mode(o.insecure ? asio::ssl::verify_none : asio::ssl::verify_peer);
  }

  std::random_device rd;
  const std::uint64_t seed = o.seed ? o.seed : (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  std::vector<double> weights;
  for (const auto& c : im.plan.classes) weights.push_back(c.weight);
  const auto per_class = class_counts(weights, o.users);
  for (unsigned i = 0; i < threads; ++i) {
    auto w = std::make_unique<Worker>();
    w->index = i;
    w->rng.seed(seed + 0x9e3779b97f4a7c15ULL * (i + 1));
    for (const auto& c : im.plan.classes) w->tally.push_back({c.name, 0, 0, std::vector<std::uint64_t>(c.tasks.size())});
    w->idle.resize(im.plan.classes.size());
    w->pending.resize(im.plan.classes.size());
    w->allocated.assign(im.plan.classes.size(), 0);
    // Arrival mode: each thread may hold its share of each class's users (at least one).
    for (auto count : per_class) w->max_users.push_back(std::max<std::uint64_t>(1, (count + threads - 1 - i) / threads));
    im.workers.push_back(std::move(w));
  }

  rusage ru0{};
  getrusage(RUSAGE_SELF, &ru0);
  im.t0 = Clock::now();
  const auto deadline = im.t0 + std::chrono::duration_cast<Clock::duration>(o.run_time);
  EngineResult result;
  result.started_unix_us = unix_micros();

  for (auto& wp : im.workers) {
    Worker* w = wp.get();
    asio::co_spawn(w->ioc, im.lag_monitor(*w), asio::detached);
    if (o.mode == Mode::arrival) asio::co_spawn(w->ioc, im.arrivals(*w, deadline), asio::detached);
    w->thread = std::thread([w] {
      auto guard = asio::make_work_guard(w->ioc);
      w->ioc.run();
    });
  }

  // The main thread spawns users at the spawn rate (users mode), samples the users each second
  // and reports progress, until the deadline or an abort.
  ClassSequence sequence(weights);
  std::uint64_t spawned = 0;
  auto next_progress = im.t0 + every;
  std::uint64_t last_total = 0;
  auto users_now = [&] {
    std::uint64_t n = 0;
    for (auto& w : im.workers) n += w->alive.load(std::memory_order_relaxed);
    return n;
  };
  auto snapshot = [&](Progress& p) {
    std::vector<std::future<std::tuple<std::uint64_t, std::uint64_t, Histogram, std::uint64_t, std::uint64_t>>> parts;
    for (auto& wp : im.workers) {
      auto promise = std::make_shared<std::promise<std::tuple<std::uint64_t, std::uint64_t, Histogram, std::uint64_t, std::uint64_t>>>();
      parts.push_back(promise->get_future());
      Worker* w = wp.get();
      asio::post(w->ioc, [w, promise] {
        promise->set_value({w->window_requests, w->window_failures, std::move(w->window_latency), w->total_requests,
                            w->total_failures});
        w->window_requests = w->window_failures = 0;
        w->window_latency.clear();
      });
    }
    Histogram h;
    for (auto& f : parts) {
      auto [r, fl, hist, tr, tf] = f.get();
      p.requests += r;
      p.failures += fl;
      p.total_requests += tr;
      p.total_failures += tf;
      h.merge(hist);
    }
    p.p50_us = h.percentile(0.5);
    p.p95_us = h.percentile(0.95);
  };

  for (;;) {
    auto now = Clock::now();
    if (abort_.load()) {
      result.aborted = true;
      break;
    }
    if (now >= deadline) break;
    if (o.mode == Mode::verbatim) {
      // Every session waits for its own start time; clones (user n of a model with k sessions
      // plays session n mod k) get fresh variables.
      for (; spawned < o.users; ++spawned) {
        Worker* w = im.workers[spawned % im.workers.size()].get();
        auto number = ++im.user_numbers;
        w->users_started.fetch_add(1, std::memory_order_relaxed);
        asio::co_spawn(w->ioc, im.verbatim_user(*w, spawned % im.plan.classes.size(), number), asio::detached);
      }
      if (im.sessions_ended.load(std::memory_order_relaxed) == o.users) break;  // every session has ended
    }
    if (o.mode == Mode::users) {
      auto due = static_cast<std::uint64_t>(std::chrono::duration<double>(now - im.t0).count() * o.spawn_rate) + 1;
      for (; spawned < std::min(due, o.users); ++spawned) {
        Worker* w = im.workers[spawned % im.workers.size()].get();
        auto c = sequence.next();
        auto number = ++im.user_numbers;
        w->users_started.fetch_add(1, std::memory_order_relaxed);
        asio::co_spawn(w->ioc, im.closed_user(*w, c, number), asio::detached);
      }
    }
    auto second = static_cast<std::size_t>(std::chrono::duration_cast<std::chrono::seconds>(now - im.t0).count());
    if (result.users_per_second.size() <= second) result.users_per_second.resize(second + 1, 0);
    result.users_per_second[second] = std::max(result.users_per_second[second], users_now());
    if (now >= next_progress) {
      Progress p;
      p.elapsed_s = std::chrono::duration<double>(now - im.t0).count();
      p.users = users_now();
      snapshot(p);
      p.rps = static_cast<double>(p.total_requests - last_total) / std::chrono::duration<double>(every).count();
      last_total = p.total_requests;
      progress(p);
      next_progress += every;
    }
    // Sleep until the next thing to do: a spawn, a new second, a progress line, the deadline;
    // at most 100 ms so that an abort is seen promptly.
    auto wake = std::min({deadline, next_progress, im.t0 + std::chrono::seconds(second + 1), now + kMainTick});
    if (o.mode == Mode::users && spawned < o.users)
      wake = std::min(wake, im.t0 + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(static_cast<double>(spawned) / o.spawn_rate)));
    std::this_thread::sleep_until(std::max(wake, now + std::chrono::milliseconds(1)));
  }
  const auto end = Clock::now();
  result.duration_s = std::chrono::duration<double>(end - im.t0).count();

  // Stop: wake the sleepers, let in-flight requests and on_stop finish within the grace period.
  for (auto& wp : im.workers) {
    Worker* w = wp.get();
    asio::post(w->ioc, [&im, w] { im.stop_worker(*w); });
  }
  const auto grace_end = Clock::now() + std::chrono::duration_cast<Clock::duration>(o.stop_grace);
  while (users_now() > 0 && Clock::now() < grace_end)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (auto& w : im.workers) w->ioc.stop();
  for (auto& w : im.workers)
    if (w->thread.joinable()) w->thread.join();

  rusage ru1{};
  getrusage(RUSAGE_SELF, &ru1);
  auto cpu_s = [](const rusage& r) {
    return static_cast<double>(r.ru_utime.tv_sec + r.ru_stime.tv_sec) +
           static_cast<double>(r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
  };
  const double wall = std::chrono::duration<double>(Clock::now() - im.t0).count();
  result.cpu_busy_fraction = wall > 0 ? (cpu_s(ru1) - cpu_s(ru0)) / (wall * threads) : 0;

  Histogram lag;
  for (auto& w : im.workers) {
    result.stats.merge(w->stats);
    lag.merge(w->loop_lag);
    result.late_iterations += w->late;
    if (result.classes.empty()) result.classes = w->tally;
    else
      for (std::size_t c = 0; c < w->tally.size(); ++c) {
        result.classes[c].users += w->tally[c].users;
        result.classes[c].iterations += w->tally[c].iterations;
        for (std::size_t t = 0; t < w->tally[c].tasks.size(); ++t) result.classes[c].tasks[t] += w->tally[c].tasks[t];
      }
  }
  result.loop_lag_p99_ms = static_cast<double>(lag.percentile(0.99)) / 1000.0;
  result.loop_lag_max_ms = static_cast<double>(lag.max()) / 1000.0;
  std::vector<std::string> reasons;
  if (result.loop_lag_p99_ms > o.saturation_lag_ms)
    reasons.push_back(fmt::format("event-loop lag p99 {:.0f} ms (bound {:g} ms)", result.loop_lag_p99_ms,
                                  o.saturation_lag_ms));
  if (result.cpu_busy_fraction > o.saturation_cpu)
    reasons.push_back(fmt::format("generator CPU {:.0f}% of its {} threads (bound {:.0f}%)",
                                  result.cpu_busy_fraction * 100, threads, o.saturation_cpu * 100));
  result.unreliable = !reasons.empty();
  result.unreliable_reason = fmt::format("{}", fmt::join(reasons, "; "));
  for (auto& w : im.workers)
    for (auto& u : w->pool) u->conn.close();
  im.workers.clear();
  return result;
}

}  // namespace aria::replayer
