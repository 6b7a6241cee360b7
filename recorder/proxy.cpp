#include "recorder/proxy.hpp"

#include <array>
#include <atomic>
#include <span>
#include <cstdio>
#include <deque>
#include <functional>
#include <set>
#include <unordered_map>
#include <thread>
#include <type_traits>
#include <variant>

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
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/text.hpp"
#include "net/http_errors.hpp"
#include "net/event_loops.hpp"
#include "net/system.hpp"

namespace aria::recorder {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kTok = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::uint64_t kRequestBodyLimit = 64ull * 1024 * 1024;
constexpr std::size_t kRelayChunk = 16 * 1024;  // a body piece; the read buffer is as large

std::int64_t micros(Clock::duration d) { return std::chrono::duration_cast<std::chrono::microseconds>(d).count(); }

// Hop-by-hop headers (RFC 9110 7.6.1) are the proxy's own business on each side.
bool hop_by_hop(std::string_view name) {
  for (auto h : {"connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te",
                 "trailer", "transfer-encoding", "upgrade"})
    if (beast::iequals(name, h)) return true;
  return false;
}

// [["Name","value"],...] in wire order, secrets redacted.
template <class Fields>
std::string headers_json(const Fields& fields, const Redactor& redactor) {
  std::string out = "[";
  for (const auto& f : fields) {
    if (out.size() > 1) out += ',';
    out += "[\"";
    json_escape(out, f.name_string());
    out += "\",\"";
    if (redactor.is_secret_header(f.name_string())) json_escape(out, redactor.marker(f.value()));
    else json_escape(out, f.value());
    out += "\"]";
  }
  out += ']';
  return out;
}

void append_capped(std::string& stored, bool& truncated, std::string_view data, std::uint64_t cap) {
  if (stored.size() + data.size() <= cap) {
    stored.append(data);
    return;
  }
  stored.append(data.substr(0, cap > stored.size() ? cap - stored.size() : 0));
  truncated = true;
}

// SNI (for names, not addresses) and host-name verification, before a client handshake.
void expect_server_name(beast::ssl_stream<beast::tcp_stream>& tls, const std::string& host) {
  boost::system::error_code not_an_address;
  asio::ip::make_address(host, not_an_address);
  if (not_an_address) SSL_set_tlsext_host_name(tls.native_handle(), host.c_str());
  tls.set_verify_callback(asio::ssl::host_name_verification(host));
}

// One connection to the upstream, plain or TLS.
class UpstreamConn {
 public:
  UpstreamConn(asio::io_context& ioc, asio::ssl::context* tls) : stream_(make(ioc, tls)) {}
  beast::tcp_stream& tcp() {
    return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream_);
  }
  // Connects and, for TLS, shakes hands with SNI and host-name verification.
  asio::awaitable<boost::system::error_code> connect(const tcp::resolver::results_type& endpoints,
                                                     const std::string& host) {
    auto& t = tcp();
    t.expires_after(std::chrono::seconds(10));
    auto [ec, ep] = co_await t.async_connect(endpoints, kTok);
    if (ec) co_return ec;
    t.socket().set_option(tcp::no_delay(true), ec);
    if (auto* tls = std::get_if<1>(&stream_)) {
      expect_server_name(*tls, host);
      auto [hec] = co_await tls->async_handshake(asio::ssl::stream_base::client, kTok);
      co_return hec;
    }
    co_return boost::system::error_code{};
  }
  template <class Buffers>
  asio::awaitable<boost::system::error_code> write(const Buffers& b) {
    co_return co_await std::visit([&b](auto& s) { return write_on(s, b); }, stream_);
  }
  template <class Parser>
  asio::awaitable<boost::system::error_code> read_header(beast::flat_buffer& b, Parser& p) {
    co_return co_await std::visit([&](auto& s) { return read_header_on(s, b, p); }, stream_);
  }
  template <class Parser>
  asio::awaitable<boost::system::error_code> read_some(beast::flat_buffer& b, Parser& p) {
    co_return co_await std::visit([&](auto& s) { return read_some_on(s, b, p); }, stream_);
  }

 private:
  template <class S, class Buffers>
  static asio::awaitable<boost::system::error_code> write_on(S& s, const Buffers& b) {
    auto [ec, n] = co_await asio::async_write(s, b, kTok);
    co_return ec;
  }
  template <class S, class P>
  static asio::awaitable<boost::system::error_code> read_header_on(S& s, beast::flat_buffer& b, P& p) {
    auto [ec, n] = co_await http::async_read_header(s, b, p, kTok);
    co_return ec;
  }
  template <class S, class P>
  static asio::awaitable<boost::system::error_code> read_some_on(S& s, beast::flat_buffer& b, P& p) {
    auto [ec, n] = co_await http::async_read_some(s, b, p, kTok);
    co_return ec;
  }
  using Stream = std::variant<beast::tcp_stream, beast::ssl_stream<beast::tcp_stream>>;
  static Stream make(asio::io_context& ioc, asio::ssl::context* tls) {
    if (tls) return Stream(std::in_place_index<1>, ioc, *tls);
    return Stream(std::in_place_index<0>, ioc);
  }
  Stream stream_;
};

}  // namespace

struct Worker {
  std::thread thread;
  std::deque<UpstreamConn> idle_upstreams;  // kept-alive connections to the upstream
  std::set<std::string> visitors;
  std::unordered_map<std::uint64_t, std::function<void()>> ws_closers;  // open WebSocket relays
  std::atomic<int> in_flight{0};
  asio::io_context ioc{1};  // last: destroyed first
};

struct Proxy::Impl {
  ProxyOptions options;
  ExchangeSink sink;
  Redactor redactor;
  std::vector<std::unique_ptr<Worker>> workers;
  std::unique_ptr<tcp::acceptor> acceptor;
  tcp::resolver::results_type upstream_endpoints;
  std::unique_ptr<asio::ssl::context> tls;         // set for an https upstream
  std::unique_ptr<asio::ssl::context> server_tls;  // set when clients speak TLS to us
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> connections{0}, exchanges{0}, dropped{0}, bytes{0}, upstream_errors{0};
  std::uint16_t port = 0;
  bool running = false;

  Impl(ProxyOptions o, ExchangeSink s) : options(std::move(o)), sink(std::move(s)), redactor(options.redaction_key) {
    for (auto& h : options.redact_headers) redactor.add_header(h);
    for (auto& f : options.redact_fields) redactor.add_field(f);
  }

  asio::awaitable<void> session(Worker& w, tcp::socket socket);
  template <class ClientStream>
  asio::awaitable<void> serve(Worker& w, ClientStream& client, const std::string& peer, std::uint64_t connection_id);
  template <class ClientStream>
  asio::awaitable<void> relay_websocket(Worker& w, ClientStream& client, http::request<http::string_body> req,
                                        store::ExchangeRow row, Clock::time_point t0);
  template <class ClientStream, class UpstreamWs>
  asio::awaitable<void> relay_websocket_via(Worker& w, ClientStream& client, UpstreamWs& upstream,
                                            http::request<http::string_body> req, store::ExchangeRow row,
                                            Clock::time_point t0);
  void emit(store::ExchangeRow&& row) {
    bytes.fetch_add(static_cast<std::uint64_t>(row.request_body_size + row.response_body_size), std::memory_order_relaxed);
    if (sink(std::move(row))) exchanges.fetch_add(1, std::memory_order_relaxed);
    else dropped.fetch_add(1, std::memory_order_relaxed);
  }
};

asio::awaitable<void> Proxy::Impl::session(Worker& w, tcp::socket socket) {
  const std::uint64_t connection_id = ++connections;
  boost::system::error_code ec;
  socket.set_option(tcp::no_delay(true), ec);
  auto remote = socket.remote_endpoint(ec);
  const std::string peer = ec ? std::string() : remote.address().to_string();
  if (!server_tls) {
    beast::tcp_stream client(std::move(socket));
    co_await serve(w, client, peer, connection_id);
    co_return;
  }
  beast::ssl_stream<beast::tcp_stream> client(std::move(socket), *server_tls);
  beast::get_lowest_layer(client).expires_after(std::chrono::seconds(10));
  auto [hec] = co_await client.async_handshake(asio::ssl::stream_base::server, kTok);
  if (hec) co_return;  // not TLS, or a client that gave up: nothing to record
  co_await serve(w, client, peer, connection_id);
}

template <class ClientStream>
asio::awaitable<void> Proxy::Impl::serve(Worker& w, ClientStream& client, const std::string& peer,
                                         std::uint64_t connection_id) {
  boost::system::error_code ec;
  constexpr bool kClientTls = !std::is_same_v<ClientStream, beast::tcp_stream>;
  auto& client_tcp = beast::get_lowest_layer(client);
  beast::flat_buffer client_buffer, upstream_buffer;
  std::vector<char> chunk;  // allocated on the first exchange: idle connections stay small
  std::string request_head, response_head;  // reused by every exchange on this connection
  std::int64_t seq = 0;
  const auto& up = options.upstream;

  auto answer = [&](int status, std::string body, bool keep_alive) -> asio::awaitable<void> {
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json");
    res.body() = std::move(body);
    res.keep_alive(keep_alive);
    res.prepare_payload();
    client_tcp.expires_after(std::chrono::seconds(30));
    co_await http::async_write(client, res, kTok);
  };

  while (!stopping.load(std::memory_order_relaxed)) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(kHeaderLimit);
    parser.body_limit(kRequestBodyLimit);
    client_tcp.expires_after(options.idle_timeout);
    auto [rec, rn] = co_await http::async_read(client, client_buffer, parser, kTok);
    if (rec) {
      // A malformed request gets its answer and this connection closes; other clients go on.
      if (int status = net::status_for_read_error(rec))
        co_await answer(status, fmt::format(R"({{"error":"{}"}})", rec.message()), false);
      break;
    }
    w.in_flight.fetch_add(1, std::memory_order_relaxed);
    if (chunk.empty()) {
      chunk.resize(kRelayChunk);
      upstream_buffer.reserve(kRelayChunk);  // Beast reads no more than the free space: 512 bytes by default
    }
    auto& req = parser.get();
    const auto t0 = Clock::now();
    store::ExchangeRow row;
    row.recording_id = options.recording_id;
    row.connection_id = static_cast<std::int64_t>(connection_id);
    row.seq = ++seq;
    row.client_addr = peer;
    row.started_us = unix_micros();
    row.method = std::string(req.method_string());
    row.scheme = kClientTls ? "https" : "http";
    row.http_version = req.version() == 10 ? "1.0" : "1.1";
    row.host = std::string(req[http::field::host]);
    std::string_view target = req.target();
    auto qmark = target.find('?');
    row.path = std::string(target.substr(0, qmark));
    row.query = qmark == std::string_view::npos ? std::string() : redactor.query(target.substr(qmark + 1));
    // Only the headers a visitor can be told by are copied out.
    RawHeaders raw;
    for (const auto& f : req) {
      const auto name = f.name_string();
      if (f.name() == http::field::cookie || f.name() == http::field::authorization ||
          beast::iequals(name, "x-api-key") || (!options.visitor.name.empty() && beast::iequals(name, options.visitor.name)))
        raw.emplace_back(std::string(name), std::string(f.value()));
    }
    row.visitor = identify_visitor(options.visitor, raw, connection_id, redactor);
    w.visitors.insert(row.visitor);
    row.request_headers = headers_json(req, redactor);
    row.request_body_size = static_cast<std::int64_t>(req.body().size());
    {
      bool truncated = false;
      std::string stored;
      append_capped(stored, truncated, req.body(), options.max_body);
      row.request_body = redactor.body(req[http::field::content_type], stored);
      row.request_body_truncated = truncated;
    }
    const bool client_keep_alive = req.keep_alive();

    if (websocket::is_upgrade(req)) {
      // The connection becomes a WebSocket relay for the rest of its life; the exchange is stored
      // with its messages when it closes.
      co_await relay_websocket(w, client, parser.release(), std::move(row), t0);
      w.in_flight.fetch_sub(1, std::memory_order_relaxed);
      co_return;
    }

    // The request as the upstream sees it, written by hand into a buffer the connection keeps.
    std::string& out = request_head;
    out.clear();
    out += req.method_string();
    out += ' ';
    out += req.target();
    out += " HTTP/1.1\r\nHost: ";
    out += up.host_header;
    out += "\r\n";
    std::string_view forwarded_for, forwarded_proto, forwarded_host;
    for (const auto& f : req) {
      const auto name = f.name_string();
      if (hop_by_hop(name) || f.name() == http::field::host || f.name() == http::field::content_length) continue;
      if (beast::iequals(name, "x-forwarded-for")) forwarded_for = f.value();
      else if (beast::iequals(name, "x-forwarded-proto")) forwarded_proto = f.value();
      else if (beast::iequals(name, "x-forwarded-host")) forwarded_host = f.value();
      else {
        out += name;
        out += ": ";
        out += f.value();
        out += "\r\n";
      }
    }
    out += "X-Forwarded-For: ";
    if (!forwarded_for.empty()) (out += forwarded_for) += ", ";
    out += peer;
    out += "\r\nX-Forwarded-Proto: ";
    out += forwarded_proto.empty() ? std::string_view(kClientTls ? "https" : "http") : forwarded_proto;
    out += "\r\n";
    if (!forwarded_host.empty() || !row.host.empty()) {
      out += "X-Forwarded-Host: ";
      out += forwarded_host.empty() ? std::string_view(row.host) : forwarded_host;
      out += "\r\n";
    }
    const auto& request_body = req.body();
    if (!request_body.empty() || req.method() == http::verb::post || req.method() == http::verb::put ||
        req.method() == http::verb::patch)
      fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n", request_body.size());
    out += "\r\n";
    const std::array<asio::const_buffer, 2> upstream_request{asio::buffer(out), asio::buffer(request_body)};

    // Send it on a kept-alive upstream connection, or a new one; a stale one is retried once.
    std::optional<UpstreamConn> upstream;
    std::optional<http::response_parser<http::buffer_body>> rp;
    boost::system::error_code uec;
    bool connect_failed = false;
    for (int attempt = 0; attempt < 2; ++attempt) {
      bool reused = false;
      // A retry always gets a fresh connection: the pooled ones idled as long as the stale one.
      if (attempt == 0 && !w.idle_upstreams.empty()) {
        upstream.emplace(std::move(w.idle_upstreams.back()));
        w.idle_upstreams.pop_back();
        reused = true;
      } else {
        upstream.emplace(w.ioc, tls.get());
        uec = co_await upstream->connect(upstream_endpoints, up.host);
        connect_failed = static_cast<bool>(uec);
      }
      if (!uec) {
        upstream_buffer.clear();
        upstream->tcp().expires_after(options.upstream_timeout);
        uec = co_await upstream->write(upstream_request);
        if (!uec) {
          rp.emplace();
          rp->body_limit(boost::none);
          if (req.method() == http::verb::head) rp->skip(true);
          uec = co_await upstream->read_header(upstream_buffer, *rp);
        }
      }
      bool stale = reused && (!rp || !rp->got_some()) &&
                   (uec == asio::error::eof || uec == http::error::end_of_stream ||
                    uec == asio::error::connection_reset || uec == asio::error::broken_pipe);
      if (!uec || !stale) break;
      upstream.reset();
      rp.reset();
      w.idle_upstreams.clear();
    }
    if (uec) {
      // The upstream refused, reset or timed out: the client gets a 502 or 504 that says so.
      upstream_errors.fetch_add(1, std::memory_order_relaxed);
      const bool timeout = uec == beast::error::timeout;
      const int status = timeout ? 504 : 502;
      auto what = connect_failed ? fmt::format("cannot connect to the upstream {}: {}", up.url, uec.message())
                  : timeout      ? fmt::format("the upstream {} did not answer in time", up.url)
                                 : fmt::format("the upstream {} failed: {}", up.url, uec.message());
      row.status = status;
      row.error = what;
      boost::json::object body{{"error", timeout ? "upstream timeout" : "bad gateway"}, {"detail", what}};
      co_await answer(status, boost::json::serialize(body), client_keep_alive);
      row.total_us = micros(Clock::now() - t0);
      emit(std::move(row));
      w.in_flight.fetch_sub(1, std::memory_order_relaxed);
      if (!client_keep_alive) break;
      continue;
    }
    row.ttfb_us = micros(Clock::now() - t0);

    // Relay the response as it arrives: the header block (written by hand), then each piece of the
    // body as the upstream sends it, chunk-encoded when its length is not known in advance.
    auto& res = rp->get();
    row.status = res.result_int();
    row.response_headers = headers_json(res, redactor);
    const std::string content_type(res[http::field::content_type]);
    const bool upstream_keep_alive = res.keep_alive();
    const bool has_length = res.has_content_length() && !res.chunked();
    const bool no_body = rp->is_done() || req.method() == http::verb::head;
    bool keep_client = client_keep_alive;
    bool chunked_out = !has_length && !no_body;
    if (chunked_out && req.version() == 10) {  // HTTP/1.0 knows no chunks: the body ends with the connection
      chunked_out = false;
      keep_client = false;
    }
    std::string& head = response_head;
    head.clear();
    fmt::format_to(std::back_inserter(head), "HTTP/1.{} {} {}\r\n", req.version() == 10 ? 0 : 1, res.result_int(),
                   res.reason().empty() ? http::obsolete_reason(res.result()) : res.reason());
    for (const auto& f : res) {
      if (hop_by_hop(f.name_string())) continue;
      if (f.name() == http::field::content_length && !has_length && !no_body) continue;
      head += f.name_string();
      head += ": ";
      head += f.value();
      head += "\r\n";
    }
    if (chunked_out) head += "Transfer-Encoding: chunked\r\n";
    if (!keep_client) head += "Connection: close\r\n";
    else if (req.version() == 10) head += "Connection: keep-alive\r\n";
    head += "\r\n";

    std::string stored;
    bool truncated = false;
    std::uint64_t body_bytes = 0;
    boost::system::error_code relay_ec;
    bool head_sent = false;
    // Sends the header block (once) and `data`, framed, in one gathered write.
    auto send = [&](std::string_view data, bool last) -> asio::awaitable<boost::system::error_code> {
      std::array<asio::const_buffer, 5> parts{};
      std::size_t n = 0;
      if (!head_sent) parts[n++] = asio::buffer(head);
      char size_line[24];
      std::size_t size_len = 0;
      if (chunked_out && !data.empty()) {
        size_len = static_cast<std::size_t>(fmt::format_to(size_line, "{:x}\r\n", data.size()) - size_line);
        parts[n++] = asio::buffer(size_line, size_len);
      }
      if (!data.empty()) parts[n++] = asio::buffer(data.data(), data.size());
      if (chunked_out && !data.empty()) parts[n++] = asio::buffer("\r\n", 2);
      if (chunked_out && last) parts[n++] = asio::buffer("0\r\n\r\n", 5);
      head_sent = true;
      client_tcp.expires_after(options.upstream_timeout);
      auto [wec, wn] = co_await asio::async_write(client, std::span(parts.data(), n), kTok);
      co_return wec;
    };
    // A body already on hand goes out with the header in one write; a body still to come (a
    // stream) must not hold the header back.
    if (!no_body && upstream_buffer.size() == 0) relay_ec = co_await send({}, false);
    while (!relay_ec && !no_body && !rp->is_done()) {
      res.body().data = chunk.data();
      res.body().size = chunk.size();
      upstream->tcp().expires_after(options.upstream_timeout);
      auto rec2 = co_await upstream->read_some(upstream_buffer, *rp);
      if (rec2 && rec2 != http::error::need_buffer) {
        relay_ec = rec2;
        break;
      }
      const auto got = chunk.size() - res.body().size;
      const std::string_view piece(chunk.data(), got);
      append_capped(stored, truncated, piece, options.max_body);
      body_bytes += got;
      if (got || rp->is_done() || !head_sent) relay_ec = co_await send(piece, rp->is_done());
    }
    if (!relay_ec && !head_sent) relay_ec = co_await send({}, !no_body);
    row.total_us = micros(Clock::now() - t0);
    row.response_body_size = static_cast<std::int64_t>(body_bytes);
    row.response_body = redactor.body(content_type, stored);
    row.response_body_truncated = truncated;
    if (relay_ec) row.error = fmt::format("relaying the response failed: {}", relay_ec.message());
    if (!relay_ec && upstream_keep_alive && rp->is_done()) w.idle_upstreams.push_back(std::move(*upstream));
    emit(std::move(row));
    w.in_flight.fetch_sub(1, std::memory_order_relaxed);
    if (relay_ec || !keep_client) break;
  }
  client_tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
}

template <class ClientStream>
asio::awaitable<void> Proxy::Impl::relay_websocket(Worker& w, ClientStream& client,
                                                   http::request<http::string_body> req, store::ExchangeRow row,
                                                   Clock::time_point t0) {
  if (tls) {  // a wss:// upstream
    websocket::stream<beast::ssl_stream<beast::tcp_stream>> upstream(w.ioc, *tls);
    co_await relay_websocket_via(w, client, upstream, std::move(req), std::move(row), t0);
  } else {
    websocket::stream<beast::tcp_stream> upstream(w.ioc);
    co_await relay_websocket_via(w, client, upstream, std::move(req), std::move(row), t0);
  }
}

template <class ClientStream, class UpstreamWs>
asio::awaitable<void> Proxy::Impl::relay_websocket_via(Worker& w, ClientStream& client, UpstreamWs& upstream,
                                                       http::request<http::string_body> req, store::ExchangeRow row,
                                                       Clock::time_point t0) {
  constexpr std::size_t kMaxMessages = 100'000;  // stored per connection; the relay goes on past it
  constexpr bool kClientTls = !std::is_same_v<ClientStream, beast::tcp_stream>;
  const auto& up = options.upstream;
  auto& lowest = beast::get_lowest_layer(upstream);
  lowest.expires_after(std::chrono::seconds(10));
  auto [ec, ep] = co_await lowest.async_connect(upstream_endpoints, kTok);
  if (!ec) {
    boost::system::error_code ignored;
    lowest.socket().set_option(tcp::no_delay(true), ignored);
  }
  if constexpr (!std::is_same_v<UpstreamWs, websocket::stream<beast::tcp_stream>>) {
    if (!ec) {
      expect_server_name(upstream.next_layer(), up.host);
      auto [hec] = co_await upstream.next_layer().async_handshake(asio::ssl::stream_base::client, kTok);
      ec = hec;
    }
  }
  websocket::response_type upstream_answer;
  if (!ec) {
    lowest.expires_never();
    upstream.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
    // The client's own headers go on, but for those of the handshake itself and the hop-by-hop ones.
    upstream.set_option(websocket::stream_base::decorator([&req, peer = row.client_addr](websocket::request_type& r) {
      for (const auto& f : req) {
        auto name = f.name_string();
        if (hop_by_hop(name) || f.name() == http::field::host || beast::iequals(name, "sec-websocket-key") ||
            beast::iequals(name, "sec-websocket-version") || beast::iequals(name, "sec-websocket-extensions"))
          continue;
        r.set(name, f.value());
      }
      r.set("X-Forwarded-For", peer);
      r.set("X-Forwarded-Proto", kClientTls ? "https" : "http");
    }));
    auto [hec] = co_await upstream.async_handshake(upstream_answer, up.host_header, req.target(), kTok);
    ec = hec;
  }
  row.ttfb_us = micros(Clock::now() - t0);
  row.response_headers = headers_json(upstream_answer, redactor);
  if (ec) {
    // Refused: the client hears what the upstream said (its status), or a 502.
    const int status = upstream_answer.result_int() >= 200 ? upstream_answer.result_int() : 502;
    row.status = status;
    row.error = fmt::format("WebSocket upgrade to {} failed: {}", up.url, ec.message());
    if (status == 502) upstream_errors.fetch_add(1, std::memory_order_relaxed);
    http::response<http::string_body> res{static_cast<http::status>(status), 11};
    res.set(http::field::content_type, "application/json");
    res.body() = boost::json::serialize(boost::json::object{{"error", "WebSocket upgrade failed"}, {"detail", *row.error}});
    res.keep_alive(false);
    res.prepare_payload();
    beast::get_lowest_layer(client).expires_after(std::chrono::seconds(30));
    co_await http::async_write(client, res, kTok);
    row.total_us = micros(Clock::now() - t0);
    emit(std::move(row));
    co_return;
  }

  beast::get_lowest_layer(client).expires_never();
  websocket::stream<ClientStream&> downstream(client);
  downstream.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  // Hand over what the client sent past the upgrade request, if anything.
  auto [aec] = co_await downstream.async_accept(req, kTok);
  if (aec) {
    row.status = 101;
    row.error = fmt::format("WebSocket accept failed: {}", aec.message());
    row.total_us = micros(Clock::now() - t0);
    emit(std::move(row));
    co_return;
  }
  // A client sends no frame before it has the 101, so nothing of it waits in the session's buffer.
  row.status = 101;

  // Two pumps, one per direction, on this thread; the first to end closes both.
  bool done = false;
  auto capture = [this, &row](std::string direction, bool text, std::string_view payload) {
    if (row.ws_messages.size() >= kMaxMessages) return;
    store::WsMessageRow m;
    m.direction = std::move(direction);
    m.at_us = unix_micros();
    m.opcode = text ? "text" : "binary";
    m.size = static_cast<std::int64_t>(payload.size());
    std::string stored;
    append_capped(stored, m.truncated, payload, options.max_body);
    m.payload = text ? redactor.body("", stored) : stored;
    row.ws_messages.push_back(std::move(m));
  };
  auto pump = [&](auto& from, auto& to, std::string direction) -> asio::awaitable<void> {
    beast::flat_buffer buffer;
    for (;;) {
      auto [rec, n] = co_await from.async_read(buffer, kTok);
      if (rec || done) break;
      const bool text = from.got_text();
      std::string_view payload(static_cast<const char*>(buffer.data().data()), buffer.size());
      capture(direction, text, payload);
      bytes.fetch_add(payload.size(), std::memory_order_relaxed);
      to.text(text);
      auto [wec, wn] = co_await to.async_write(buffer.data(), kTok);
      buffer.consume(buffer.size());
      if (wec || done) break;
    }
    if (!done) {
      done = true;
      // Unblock the other pump: close both sockets under it.
      boost::system::error_code ignored;
      beast::get_lowest_layer(from).socket().close(ignored);
      beast::get_lowest_layer(to).socket().close(ignored);
    }
  };
  std::atomic<int> pumps{2};
  auto finished = std::make_shared<asio::steady_timer>(w.ioc, Clock::time_point::max());
  auto spawn = [&](auto& a, auto& b, const char* dir) {
    asio::co_spawn(w.ioc, pump(a, b, dir), [&pumps, finished](std::exception_ptr) {
      if (--pumps == 0) finished->cancel();
    });
  };
  // On shutdown the relay is closed like this, so its messages are stored.
  const std::uint64_t relay_id = static_cast<std::uint64_t>(row.connection_id);
  w.ws_closers[relay_id] = [&done, &downstream, &upstream] {
    done = true;
    boost::system::error_code ignored;
    beast::get_lowest_layer(downstream).socket().close(ignored);
    beast::get_lowest_layer(upstream).socket().close(ignored);
  };
  spawn(downstream, upstream, "client");
  spawn(upstream, downstream, "server");
  co_await finished->async_wait(kTok);
  w.ws_closers.erase(relay_id);
  row.total_us = micros(Clock::now() - t0);
  emit(std::move(row));
}

Proxy::Proxy(ProxyOptions options, ExchangeSink sink)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(sink))) {
  // Everything that can be wrong with the input is found here, before anything is written.
  auto& im = *impl_;
  {
    asio::io_context ctx;
    tcp::resolver resolver(ctx);
    boost::system::error_code ec;
    im.upstream_endpoints = resolver.resolve(im.options.upstream.host, im.options.upstream.port, ec);
    if (ec)
      throw UsageError(fmt::format("cannot resolve the upstream {}: {}", im.options.upstream.url, ec.message()));
  }
  if (im.options.upstream.tls) {
    im.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    boost::system::error_code tec;
    im.tls->set_default_verify_paths(tec);
    if (!im.options.ca_file.empty()) {
      im.tls->load_verify_file(im.options.ca_file, tec);
      if (tec)
        throw UsageError(fmt::format("--ca-file {}: cannot load certificates: {}", im.options.ca_file, tec.message()));
    }
    im.tls->set_verify_mode(im.options.insecure ? asio::ssl::verify_none : asio::ssl::verify_peer);
  }
  if (!im.options.tls_cert.empty() || !im.options.tls_key.empty()) {
    if (im.options.tls_cert.empty() || im.options.tls_key.empty())
      throw UsageError("--tls-cert and --tls-key go together: give both to listen with TLS");
    im.server_tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    boost::system::error_code tec;
    im.server_tls->use_certificate_chain_file(im.options.tls_cert, tec);
    if (tec) throw UsageError(fmt::format("--tls-cert {}: {}", im.options.tls_cert, tec.message()));
    im.server_tls->use_private_key_file(im.options.tls_key, asio::ssl::context::pem, tec);
    if (tec) throw UsageError(fmt::format("--tls-key {}: {}", im.options.tls_key, tec.message()));
  }
}

void Proxy::set_recording_id(std::int64_t id) { impl_->options.recording_id = id; }
Proxy::~Proxy() { stop(std::chrono::milliseconds(0)); }

std::uint16_t Proxy::port() const { return impl_->port; }
std::string Proxy::url() const {
  const auto& host = impl_->options.listen.host;
  bool v6 = host.find(':') != std::string::npos;
  return fmt::format("{}://{}{}{}:{}", impl_->server_tls ? "https" : "http", v6 ? "[" : "", host, v6 ? "]" : "",
                     impl_->port);
}

ProxyCounters Proxy::counters() const {
  ProxyCounters c;
  c.exchanges = impl_->exchanges.load();
  c.dropped = impl_->dropped.load();
  c.bytes = impl_->bytes.load();
  c.upstream_errors = impl_->upstream_errors.load();
  if (!impl_->running) {  // the workers' sets are theirs while they run
    std::set<std::string> all;
    for (const auto& w : impl_->workers) all.insert(w->visitors.begin(), w->visitors.end());
    c.visitors = all.size();
  }
  return c;
}

void Proxy::start() {
  auto& im = *impl_;
  if (im.running) return;
  net::raise_open_files_limit(1 << 18);
  const unsigned threads = im.options.threads ? im.options.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < threads; ++i) im.workers.push_back(std::make_unique<Worker>());
  try {
    im.acceptor = net::open_acceptor(im.workers[0]->ioc, im.options.listen, "choose another --listen address");
  } catch (...) {
    im.workers.clear();
    throw;
  }
  im.port = im.acceptor->local_endpoint().port();
  asio::co_spawn(im.workers[0]->ioc,
                 net::accept_loop(*im.acceptor, im.workers,
                                  [&im](Worker& w, tcp::socket socket) {
                                    asio::co_spawn(w.ioc, im.session(w, std::move(socket)), asio::detached);
                                  }),
                 asio::detached);
  net::run_loops(im.workers);
  im.running = true;
}

void Proxy::stop(std::chrono::milliseconds grace) {
  auto& im = *impl_;
  if (!im.running) return;
  im.running = false;
  im.stopping = true;
  asio::post(im.workers[0]->ioc, [&im] {
    boost::system::error_code ec;
    im.acceptor->close(ec);
  });
  // WebSocket relays never end by themselves: close them so that their exchanges are stored.
  for (auto& w : im.workers) {
    Worker* wp = w.get();
    asio::post(wp->ioc, [wp] {
      auto closers = wp->ws_closers;
      for (auto& [id, close] : closers) close();
    });
  }
  net::drain_and_join(im.workers, grace);
  im.acceptor.reset();
  for (auto& w : im.workers) w->idle_upstreams.clear();  // before their context goes
  // Keep the workers (their visitor sets feed counters()); their contexts are stopped.
}

}  // namespace aria::recorder
