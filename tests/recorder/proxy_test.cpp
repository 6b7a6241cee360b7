// The recorder's proxy between a real client and the real stand-in, on 127.0.0.1.
#include "recorder/proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "mock/router.hpp"
#include "mock/server.hpp"
#include "core/errors.hpp"
#include "net/client.hpp"

#include <fmt/format.h>

using namespace std::chrono_literals;

namespace aria::recorder {
namespace {

struct Captured {
  std::mutex mutex;
  std::vector<store::ExchangeRow> rows;
  ExchangeSink sink() {
    return [this](store::ExchangeRow&& row) {
      std::lock_guard lock(mutex);
      rows.push_back(std::move(row));
      return true;
    };
  }
};

mock::Options mock_options() {
  mock::Options o;
  o.listen = {"127.0.0.1", 0};
  o.threads = 1;
  o.quiet = true;
  o.llm.median = 10ms;
  o.llm.jitter = 0ms;
  return o;
}

ProxyOptions proxy_options(const std::string& upstream) {
  ProxyOptions p;
  p.listen = {"127.0.0.1", 0};
  p.upstream = net::parse_target(upstream, "--upstream");
  p.threads = 2;
  p.redaction_key = "test-key";
  p.recording_id = 1;
  return p;
}

std::string id_of(const std::string& body) {
  return std::string(boost::json::parse(body).at("id").as_string());
}

TEST(Proxy, RecordsBothDialectsWithBodiesIntact) {
  mock::Server upstream(mock_options());
  upstream.start();
  Captured captured;
  Proxy proxy(proxy_options(upstream.url()), captured.sink());
  proxy.start();
  net::HttpClient c("127.0.0.1", proxy.port());

  std::vector<net::HttpResult> seen;
  seen.push_back(c.get("/dashboard"));
  seen.push_back(c.post_json("/api/sessions", R"({"session_id":"s1","title":"t"})"));
  seen.push_back(c.post_json("/api/chat", R"({"session_id":"s1","content":"Hello, how are you?","stream":false})"));
  seen.push_back(c.get("/api/sessions/s1/history"));
  seen.push_back(c.get("/api/sessions/search?q=hello"));
  seen.push_back(c.request("DELETE", "/api/sessions/s1"));
  auto created = c.post_json("/api/engine/chat/sessions", R"({"title":"e"})");
  seen.push_back(created);
  auto id = id_of(created.body);
  seen.push_back(c.post_json("/api/engine/chat/sessions/" + id + "/messages", R"({"content":"Check the server health"})"));
  seen.push_back(c.get("/api/engine/sessions?search=health&limit=20&offset=0"));
  seen.push_back(c.request("DELETE", "/api/engine/chat/sessions/" + id));
  for (auto path : {"/api/status", "/api/agents", "/api/skills", "/api/models", "/api/health", "/metrics"})
    seen.push_back(c.get(path));
  proxy.stop();

  ASSERT_EQ(captured.rows.size(), seen.size());
  for (std::size_t i = 0; i < seen.size(); ++i) {
    const auto& row = captured.rows[i];
    SCOPED_TRACE(row.method + " " + row.path);
    EXPECT_EQ(row.status, seen[i].status);
    EXPECT_LT(seen[i].status, 400);
    EXPECT_EQ(row.response_body, seen[i].body);  // bodies intact
    EXPECT_EQ(row.response_body_size, static_cast<std::int64_t>(seen[i].body.size()));
    EXPECT_FALSE(row.response_body_truncated);
    EXPECT_EQ(row.seq, static_cast<std::int64_t>(i + 1));  // one client connection, in order
    ASSERT_TRUE(row.ttfb_us && row.total_us);
    EXPECT_LE(*row.ttfb_us, *row.total_us);
    EXPECT_FALSE(row.error);
  }
  EXPECT_EQ(captured.rows[2].request_body, R"({"session_id":"s1","content":"Hello, how are you?","stream":false})");
  EXPECT_EQ(captured.rows[4].path, "/api/sessions/search");
  EXPECT_EQ(captured.rows[4].query, "q=hello");
  EXPECT_EQ(captured.rows[7].path, "/api/engine/chat/sessions/" + id + "/messages");
  // The upstream side kept its connections alive: far fewer than one per request.
  EXPECT_LE(upstream.connections_accepted(), 2u);
  EXPECT_EQ(proxy.counters().exchanges, seen.size());
  EXPECT_EQ(proxy.counters().visitors, 1u);
}

TEST(Proxy, StoresBodiesUpToTheCapButRelaysThemWhole) {
  mock::Server upstream(mock_options());
  upstream.start();
  Captured captured;
  auto po = proxy_options(upstream.url());
  po.max_body = 1024;
  Proxy proxy(po, captured.sink());
  proxy.start();
  net::HttpClient c("127.0.0.1", proxy.port());
  auto page = c.get("/dashboard");
  proxy.stop();
  EXPECT_EQ(page.body, upstream.router().content().page("/dashboard")->html);
  ASSERT_EQ(captured.rows.size(), 1u);
  EXPECT_EQ(captured.rows[0].response_body.size(), 1024u);
  EXPECT_TRUE(captured.rows[0].response_body_truncated);
  EXPECT_EQ(captured.rows[0].response_body_size, static_cast<std::int64_t>(page.body.size()));
}

TEST(Proxy, UpstreamRefusedOrSilentGives502Or504AndIsStored) {
  Captured captured;
  {
    mock::Server gone(mock_options());
    gone.start();
    auto po = proxy_options(gone.url());
    gone.stop();
    Proxy proxy(po, captured.sink());
    proxy.start();
    net::HttpClient c("127.0.0.1", proxy.port());
    auto r = c.get("/api/health");
    EXPECT_EQ(r.status, 502);
    EXPECT_TRUE(boost::json::parse(r.body).as_object().contains("error"));
    EXPECT_EQ(c.get("/api/health").status, 502);  // the proxy keeps serving
    proxy.stop();
  }
  ASSERT_EQ(captured.rows.size(), 2u);
  EXPECT_EQ(captured.rows[0].status, 502);
  ASSERT_TRUE(captured.rows[0].error);
  EXPECT_NE(captured.rows[0].error->find("cannot connect"), std::string::npos);

  auto slow = mock_options();
  slow.faults.added_latency = 2s;
  mock::Server stalled(slow);
  stalled.start();
  auto po = proxy_options(stalled.url());
  po.upstream_timeout = 200ms;
  Proxy proxy(po, captured.sink());
  proxy.start();
  net::HttpClient c("127.0.0.1", proxy.port());
  EXPECT_EQ(c.get("/api/health").status, 504);
  proxy.stop();
  EXPECT_EQ(captured.rows.back().status, 504);
}

TEST(Proxy, MalformedRequestsGet400Or431AndOthersAreServed) {
  mock::Server upstream(mock_options());
  upstream.start();
  Captured captured;
  Proxy proxy(proxy_options(upstream.url()), captured.sink());
  proxy.start();
  net::HttpClient raw("127.0.0.1", proxy.port());
  EXPECT_TRUE(raw.raw_exchange("NOT HTTP AT ALL\r\n\r\n").starts_with("HTTP/1.1 400"));
  auto big = raw.raw_exchange("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(32 * 1024, 'a') + "\r\n\r\n");
  EXPECT_TRUE(big.starts_with("HTTP/1.1 431")) << big.substr(0, 40);
  net::HttpClient c("127.0.0.1", proxy.port());
  EXPECT_EQ(c.get("/api/health").status, 200);
  proxy.stop();
}

TEST(Proxy, SecretsAreRedactedBeforeTheSink) {
  mock::Server upstream(mock_options());
  upstream.start();
  Captured captured;
  Proxy proxy(proxy_options(upstream.url()), captured.sink());
  proxy.start();
  net::HttpClient c("127.0.0.1", proxy.port());
  c.post_json("/api/sessions?api_key=QUERY-SECRET", R"({"session_id":"x","password":"BODY-SECRET"})",
              {{"Authorization", "Bearer AUTH-SECRET"}, {"Cookie", "sid=COOKIE-SECRET"}, {"X-API-Key", "KEY-SECRET"}});
  proxy.stop();
  ASSERT_EQ(captured.rows.size(), 1u);
  const auto& row = captured.rows[0];
  const std::string all = row.query + row.request_headers + row.request_body + row.response_headers + row.response_body;
  for (auto secret : {"QUERY-SECRET", "BODY-SECRET", "AUTH-SECRET", "COOKIE-SECRET", "KEY-SECRET"})
    EXPECT_EQ(all.find(secret), std::string::npos) << secret << " in " << all;
  EXPECT_NE(row.request_headers.find("[redacted:"), std::string::npos);
  EXPECT_TRUE(row.visitor.starts_with("credential:"));
}

TEST(Proxy, WebSocketChatIsRelayedAndEveryMessageCaptured) {
  auto mo = mock_options();
  mo.api_key = "WS-SECRET-KEY";
  mock::Server upstream(mo);
  upstream.start();
  Captured captured;
  Proxy proxy(proxy_options(upstream.url()), captured.sink());
  proxy.start();
  net::HttpClient c("127.0.0.1", proxy.port());
  auto id = id_of(c.post_json("/api/engine/chat/sessions", "{}", {{"X-API-Key", "WS-SECRET-KEY"}}).body);
  std::vector<std::string> received;
  {
    net::WebSocketClient ws("127.0.0.1", proxy.port(), "/ws/chat/" + id + "?api_key=WS-SECRET-KEY");
    ws.send_text(R"({"type":"ping"})");
    received.push_back(ws.receive_text());
    ws.send_text(R"({"type":"message","content":"Check the server health"})");
    for (;;) {
      received.push_back(ws.receive_text());
      if (received.back().find("stream_end") != std::string::npos) break;
    }
    ws.close();
  }
  // A refused upgrade comes back with the upstream's status.
  EXPECT_THROW(net::WebSocketClient("127.0.0.1", proxy.port(), "/ws/chat/" + id + "?api_key=wrong"), std::system_error);
  std::this_thread::sleep_for(100ms);
  proxy.stop();

  // A relayed WebSocket is stored when it closes, which may come after the refused upgrade.
  ASSERT_EQ(captured.rows.size(), 3u);
  EXPECT_EQ(captured.rows[0].status, 201);
  const bool closed_first = captured.rows[1].status == 101;
  const auto& ws = captured.rows[closed_first ? 1 : 2];
  const auto& refused = captured.rows[closed_first ? 2 : 1];
  EXPECT_EQ(ws.status, 101);
  EXPECT_EQ(ws.path, "/ws/chat/" + id);
  EXPECT_EQ(ws.query.find("WS-SECRET-KEY"), std::string::npos) << ws.query;
  EXPECT_FALSE(ws.error) << *ws.error;
  std::vector<std::string> from_server;
  int from_client = 0;
  for (const auto& m : ws.ws_messages) {
    EXPECT_EQ(m.opcode, "text");
    if (m.direction == "client") ++from_client;
    else from_server.push_back(m.payload);
  }
  EXPECT_EQ(from_client, 2);
  EXPECT_EQ(from_server, received);  // every server frame, in order, intact
  EXPECT_EQ(refused.status, 401);
}

// A one-connection upstream that streams server-sent events: the second event is sent only once
// the test has seen the first arrive through the proxy.
class StreamingUpstream {
 public:
  StreamingUpstream() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(listen(fd_, 4), 0);
    socklen_t len = sizeof addr;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~StreamingUpstream() {
    if (!signalled_) first_seen_.set_value();
    thread_.join();
    close(fd_);
  }
  std::uint16_t port() const { return port_; }
  void first_seen() {
    signalled_ = true;
    first_seen_.set_value();
  }
  bool waited_for_client() const { return waited_; }

 private:
  void serve() {
    int c = accept(fd_, nullptr, nullptr);
    char buf[4096];
    (void)!read(c, buf, sizeof buf);  // the request
    std::string head = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n";
    auto chunk = [](std::string_view data) { return fmt::format("{:x}\r\n{}\r\n", data.size(), data); };
    std::string first = head + chunk("data: one\n\n");
    (void)!write(c, first.data(), first.size());
    waited_ = first_seen_future_.wait_for(3s) == std::future_status::ready;
    std::string rest = chunk("data: two\n\n") + "0\r\n\r\n";
    (void)!write(c, rest.data(), rest.size());
    shutdown(c, SHUT_WR);
    (void)!read(c, buf, sizeof buf);
    close(c);
  }
  int fd_ = -1;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::promise<void> first_seen_;
  std::future<void> first_seen_future_ = first_seen_.get_future();
  std::atomic<bool> waited_{false};
  bool signalled_ = false;
};

TEST(Proxy, StreamedResponsesAreForwardedAsTheyArrive) {
  StreamingUpstream upstream;
  Captured captured;
  Proxy proxy(proxy_options(fmt::format("http://127.0.0.1:{}", upstream.port())), captured.sink());
  proxy.start();
  int c = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(proxy.port());
  ASSERT_EQ(connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  std::string request = "GET /events HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  ASSERT_EQ(write(c, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  std::string got;
  char buf[4096];
  bool signalled = false;
  for (;;) {
    auto n = read(c, buf, sizeof buf);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
    if (!signalled && got.find("data: one") != std::string::npos) {
      EXPECT_EQ(got.find("data: two"), std::string::npos);
      upstream.first_seen();
      signalled = true;
    }
  }
  close(c);
  proxy.stop();
  EXPECT_TRUE(signalled) << got;
  EXPECT_TRUE(upstream.waited_for_client());  // "two" left the upstream only after "one" had arrived
  EXPECT_NE(got.find("data: two"), std::string::npos) << got;
  ASSERT_EQ(captured.rows.size(), 1u);
  EXPECT_EQ(captured.rows[0].response_body, "data: one\n\ndata: two\n\n");
}

// A self-signed certificate for 127.0.0.1 in `dir`: cert.pem and key.pem.
void make_certificate(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  auto cmd = fmt::format(
      "cd {} && openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 "
      "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1",
      dir.string());
  ASSERT_EQ(std::system(cmd.c_str()), 0);
}

// An https upstream: `openssl s_server -WWW` serving a file with a self-signed certificate for
// 127.0.0.1, made for the test.
class TlsUpstream {
 public:
  explicit TlsUpstream(const std::filesystem::path& dir) : dir_(dir) {
    make_certificate(dir_);
    std::ofstream(dir_ / "hello.json") << R"({"hello":"tls"})";
    port_ = free_port();
    pid_ = fork();
    if (pid_ == 0) {
      (void)!chdir(dir_.c_str());
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 1);
      dup2(devnull, 2);
      auto port = std::to_string(port_);
      execlp("openssl", "openssl", "s_server", "-accept", port.c_str(), "-cert", "cert.pem", "-key", "key.pem",
             "-WWW", "-quiet", static_cast<char*>(nullptr));
      _exit(127);
    }
    // Ready once it accepts connections.
    for (int i = 0; i < 100 && !accepting(); ++i) std::this_thread::sleep_for(50ms);
  }
  ~TlsUpstream() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
    std::filesystem::remove_all(dir_);
  }
  std::string url() const { return fmt::format("https://127.0.0.1:{}", port_); }
  std::string ca() const { return (dir_ / "cert.pem").string(); }

 private:
  static std::uint16_t free_port() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
    close(s);
    return ntohs(addr.sin_port);
  }
  bool accepting() const {
    int c = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port_);
    bool ok = connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(c);
    return ok;
  }
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

TEST(Proxy, HttpsUpstreamIsVerifiedUnlessToldOtherwise) {
  TlsUpstream upstream(std::filesystem::temp_directory_path() / ("aria-tls-" + std::to_string(getpid())));
  Captured captured;
  auto fetch = [&](ProxyOptions po) {
    Proxy proxy(po, captured.sink());
    proxy.start();
    net::HttpClient c("127.0.0.1", proxy.port());
    auto r = c.get("/hello.json");
    proxy.stop();
    return r;
  };
  auto po = proxy_options(upstream.url());
  // Self-signed and not trusted: refused, and the client hears why.
  auto refused = fetch(po);
  EXPECT_EQ(refused.status, 502);
  EXPECT_NE(refused.body.find("certificate"), std::string::npos) << refused.body;
  // Trusted through --ca-file: verified, relayed, recorded.
  po.ca_file = upstream.ca();
  auto trusted = fetch(po);
  EXPECT_EQ(trusted.status, 200);
  EXPECT_EQ(trusted.body, R"({"hello":"tls"})");
  // --insecure skips verification.
  po.ca_file.clear();
  po.insecure = true;
  EXPECT_EQ(fetch(po).status, 200);
  ASSERT_EQ(captured.rows.size(), 3u);
  EXPECT_EQ(captured.rows[1].response_body, R"({"hello":"tls"})");
}

TEST(Proxy, ListensWithTlsWhenGivenACertificate) {
  const auto dir = std::filesystem::temp_directory_path() / ("aria-tls-listen-" + std::to_string(getpid()));
  make_certificate(dir);
  mock::Server upstream(mock_options());
  upstream.start();
  Captured inner_rows, outer_rows;
  // client --http--> outer --https, verified--> inner (TLS listener) --http--> stand-in
  auto inner_options = proxy_options(upstream.url());
  inner_options.tls_cert = (dir / "cert.pem").string();
  inner_options.tls_key = (dir / "key.pem").string();
  Proxy inner(inner_options, inner_rows.sink());
  inner.start();
  EXPECT_TRUE(inner.url().starts_with("https://"));
  auto outer_options = proxy_options(inner.url());
  outer_options.ca_file = (dir / "cert.pem").string();
  Proxy outer(outer_options, outer_rows.sink());
  outer.start();
  net::HttpClient c("127.0.0.1", outer.port());
  auto r = c.get("/api/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.body.find("healthy"), std::string::npos);
  // A WebSocket goes the same way: the outer recorder speaks wss:// to the inner one.
  auto id = id_of(c.post_json("/api/engine/chat/sessions", "{}").body);
  std::vector<std::string> received;
  {
    net::WebSocketClient ws("127.0.0.1", outer.port(), "/ws/chat/" + id);
    ws.send_text(R"({"type":"message","content":"hello over wss"})");
    for (;;) {
      received.push_back(ws.receive_text());
      if (received.back().find("stream_end") != std::string::npos) break;
    }
    ws.close();
  }
  EXPECT_GE(received.size(), 2u);
  // A plain-HTTP client at the TLS listener gets nowhere, and nothing is recorded for it.
  net::HttpClient plain("127.0.0.1", inner.port(), 2000ms);
  EXPECT_THROW(plain.get("/api/health"), std::exception);
  std::this_thread::sleep_for(100ms);  // the relays store their rows when both sides have closed
  outer.stop();
  inner.stop();
  ASSERT_EQ(inner_rows.rows.size(), 3u);
  EXPECT_EQ(inner_rows.rows[0].scheme, "https");
  EXPECT_EQ(inner_rows.rows[0].response_body, r.body);
  ASSERT_EQ(outer_rows.rows.size(), 3u);
  for (const auto* rows : {&inner_rows.rows, &outer_rows.rows}) {
    const auto& ws = rows->at(2);
    EXPECT_EQ(ws.status, 101);
    EXPECT_FALSE(ws.error) << *ws.error;
    std::vector<std::string> from_server;
    for (const auto& m : ws.ws_messages)
      if (m.direction == "server") from_server.push_back(m.payload);
    EXPECT_EQ(from_server, received);
  }
  std::filesystem::remove_all(dir);
}

TEST(Proxy, AnUpstreamThatResetsMidBodyIsStoredWithItsError) {
  auto o = mock_options();
  o.faults.drop_rate = 1;
  mock::Server upstream(o);
  upstream.start();
  Captured captured;
  Proxy proxy(proxy_options(upstream.url()), captured.sink());
  proxy.start();
  net::HttpClient c("127.0.0.1", proxy.port());
  EXPECT_THROW(c.get("/dashboard"), std::exception);  // the client sees the cut too
  net::HttpClient again("127.0.0.1", proxy.port());
  EXPECT_THROW(again.get("/dashboard"), std::exception);  // and the proxy still serves
  proxy.stop();
  ASSERT_EQ(captured.rows.size(), 2u);
  ASSERT_TRUE(captured.rows[0].error);
  EXPECT_NE(captured.rows[0].error->find("relaying the response failed"), std::string::npos);
  EXPECT_LT(captured.rows[0].response_body_size, 125'000);
}

TEST(Proxy, PooledConnectionsTheUpstreamClosedAreNotAnError) {
  auto o = mock_options();
  o.idle_timeout = 300ms;  // the upstream closes idle keep-alive connections quickly
  mock::Server upstream(o);
  upstream.start();
  Captured captured;
  auto po = proxy_options(upstream.url());
  po.threads = 1;  // one pool holds every upstream connection
  Proxy proxy(po, captured.sink());
  proxy.start();
  {
    // Several clients at once leave several connections in the pool.
    std::vector<std::thread> clients;
    for (int i = 0; i < 4; ++i)
      clients.emplace_back([&] { net::HttpClient("127.0.0.1", proxy.port()).post_json("/api/chat", "{}"); });
    for (auto& t : clients) t.join();
  }
  std::this_thread::sleep_for(700ms);  // the upstream has closed them all by now
  net::HttpClient c("127.0.0.1", proxy.port());
  for (int i = 0; i < 4; ++i) EXPECT_EQ(c.get("/api/health").status, 200) << i;
  proxy.stop();
}

TEST(Proxy, ExchangesTheSinkRefusesAreCountedAsDropped) {
  mock::Server upstream(mock_options());
  upstream.start();
  std::atomic<int> offered{0};
  Proxy proxy(proxy_options(upstream.url()), [&offered](store::ExchangeRow&&) { return ++offered % 2 == 0; });
  proxy.start();
  net::HttpClient c("127.0.0.1", proxy.port());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(c.get("/api/health").status, 200);  // clients never notice
  proxy.stop();
  EXPECT_EQ(proxy.counters().dropped, 5u);
  EXPECT_EQ(proxy.counters().exchanges, 5u);
}

TEST(Proxy, BadTlsMaterialIsAUsageError) {
  mock::Server upstream(mock_options());
  upstream.start();
  Captured rows;
  auto o = proxy_options(upstream.url());
  o.tls_cert = "/nonexistent/cert.pem";
  o.tls_key = "/nonexistent/key.pem";
  EXPECT_THROW(Proxy(o, rows.sink()), UsageError);
  o.tls_key.clear();
  EXPECT_THROW(Proxy(o, rows.sink()), UsageError);
  auto u = proxy_options("https://127.0.0.1:1");
  u.ca_file = "/nonexistent/ca.pem";
  EXPECT_THROW(Proxy(u, rows.sink()), UsageError);
}

TEST(Proxy, StoppingClosesOpenWebSocketsAndStoresThem) {
  mock::Server upstream(mock_options());
  upstream.start();
  Captured captured;
  Proxy proxy(proxy_options(upstream.url()), captured.sink());
  proxy.start();
  net::HttpClient c("127.0.0.1", proxy.port());
  auto id = id_of(c.post_json("/api/engine/chat/sessions", "{}").body);
  net::WebSocketClient ws("127.0.0.1", proxy.port(), "/ws/chat/" + id);
  ws.send_text(R"({"type":"ping"})");
  EXPECT_NE(ws.receive_text().find("pong"), std::string::npos);
  auto t0 = std::chrono::steady_clock::now();
  proxy.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);  // not held up by the open socket
  ASSERT_EQ(captured.rows.size(), 2u);
  EXPECT_EQ(captured.rows[1].ws_messages.size(), 2u);
}

}  // namespace
}  // namespace aria::recorder
