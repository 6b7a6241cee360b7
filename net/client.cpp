#include "net/client.hpp"

#include <strings.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

namespace aria::net {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

std::string HttpResult::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  return {};
}

struct HttpClient::Impl {
  std::string host;
  std::uint16_t port;
  std::chrono::milliseconds timeout;
  asio::io_context ioc;
  std::unique_ptr<beast::tcp_stream> stream;
  beast::flat_buffer buffer;

  void connect() {
    stream = std::make_unique<beast::tcp_stream>(ioc);
    buffer.clear();
    tcp::resolver resolver(ioc);
    stream->expires_after(timeout);
    stream->connect(resolver.resolve(host, std::to_string(port)));
  }
};

HttpClient::HttpClient(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::request(std::string_view method, std::string_view target, std::string_view body,
                               const Headers& headers) {
  auto& im = *impl_;
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  if (req.method() == http::verb::unknown) req.method_string(method);
  req.set(http::field::host, im.host + ":" + std::to_string(im.port));
  req.set(http::field::user_agent, "aria-harness");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.body() = std::string(body);
    req.prepare_payload();
  }
  // A kept-alive connection the server has closed fails on first use: reconnect once.
  for (int attempt = 0;; ++attempt) {
    if (!im.stream) im.connect();
    try {
      im.stream->expires_after(im.timeout);
      http::write(*im.stream, req);
      http::response_parser<http::string_body> parser;
      parser.body_limit(256 * 1024 * 1024);
      if (req.method() == http::verb::head) parser.skip(true);
      http::read(*im.stream, im.buffer, parser);
      auto res = parser.release();
      HttpResult out;
      out.status = res.result_int();
      for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
      out.body = std::move(res.body());
      out.keep_alive = res.keep_alive();
      if (!out.keep_alive) im.stream.reset();
      return out;
    } catch (const boost::system::system_error& e) {
      im.stream.reset();
      bool stale = e.code() == http::error::end_of_stream || e.code() == asio::error::connection_reset ||
                   e.code() == asio::error::broken_pipe;
      if (attempt > 0 || !stale) throw;
    }
  }
}

HttpResult HttpClient::post_json(std::string_view target, std::string_view json, const Headers& headers) {
  Headers h = headers;
  h.emplace_back("Content-Type", "application/json");
  return request("POST", target, json, h);
}

std::string HttpClient::raw_exchange(std::string_view bytes) {
  auto& im = *impl_;
  beast::tcp_stream s(im.ioc);
  tcp::resolver resolver(im.ioc);
  s.expires_after(im.timeout);
  s.connect(resolver.resolve(im.host, std::to_string(im.port)));
  asio::write(s, asio::buffer(bytes.data(), bytes.size()));
  std::string out;
  char chunk[4096];
  boost::system::error_code ec;
  for (;;) {
    s.expires_after(im.timeout);
    auto n = s.read_some(asio::buffer(chunk), ec);
    out.append(chunk, n);
    if (ec) break;
  }
  return out;
}

struct WebSocketClient::Impl {
  asio::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
};

WebSocketClient::WebSocketClient(const std::string& host, std::uint16_t port, const std::string& target,
                                 const Headers& headers, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  auto& im = *impl_;
  tcp::resolver resolver(im.ioc);
  auto& lowest = beast::get_lowest_layer(im.ws);
  lowest.expires_after(timeout);
  lowest.connect(resolver.resolve(host, std::to_string(port)));
  lowest.expires_never();
  websocket::stream_base::timeout t{};
  t.handshake_timeout = timeout;
  t.idle_timeout = timeout;
  t.keep_alive_pings = false;
  im.ws.set_option(t);
  im.ws.set_option(websocket::stream_base::decorator([headers](websocket::request_type& req) {
    for (const auto& [k, v] : headers) req.set(k, v);
  }));
  websocket::response_type res;
  boost::system::error_code ec;
  im.ws.handshake(res, host + ":" + std::to_string(port), target, ec);
  if (ec)
    throw std::system_error(ec, "WebSocket upgrade refused with HTTP " + std::to_string(res.result_int()));
}

WebSocketClient::~WebSocketClient() {
  boost::system::error_code ec;
  if (impl_->ws.is_open()) impl_->ws.close(websocket::close_code::normal, ec);
}

void WebSocketClient::send_text(std::string_view text) {
  impl_->ws.text(true);
  impl_->ws.write(asio::buffer(text.data(), text.size()));
}

std::string WebSocketClient::receive_text() {
  impl_->buffer.clear();
  impl_->ws.read(impl_->buffer);
  return beast::buffers_to_string(impl_->buffer.data());
}

void WebSocketClient::close() { impl_->ws.close(websocket::close_code::normal); }

}  // namespace aria::net
