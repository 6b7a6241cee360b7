// The stand-in over real sockets on 127.0.0.1: headers, delays, faults, malformed input,
// the WebSocket chat and shutdown.
#include "mock/server.hpp"

#include <future>
#include <thread>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "mock/router.hpp"
#include "net/client.hpp"

using namespace std::chrono_literals;
namespace json = boost::json;

namespace aria::mock {
namespace {

Options local(unsigned threads = 2) {
  Options o;
  o.listen = {"127.0.0.1", 0};
  o.threads = threads;
  o.quiet = true;
  return o;
}

std::string engine_session(net::HttpClient& c) {
  auto r = c.post_json("/api/engine/chat/sessions", "{}");
  EXPECT_EQ(r.status, 201);
  return std::string(json::parse(r.body).at("id").as_string());
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

TEST(Server, AnswersWithTimingAndCorrelationHeaders) {
  Server s(local());
  s.start();
  ASSERT_NE(s.port(), 0);
  net::HttpClient c("127.0.0.1", s.port());
  auto r = c.get("/api/health");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_FALSE(r.header("X-Response-Time-Ms").empty());
  EXPECT_GE(std::stod(r.header("X-Response-Time-Ms")), 0.0);
  auto generated = r.header("X-Correlation-ID");
  EXPECT_EQ(generated.size(), 8u);
  EXPECT_EQ(generated.find_first_not_of("0123456789abcdef"), std::string::npos);
  auto echoed = c.get("/api/health", {{"X-Correlation-ID", "req-1234"}});
  EXPECT_EQ(echoed.header("X-Correlation-ID"), "req-1234");
  // Keep-alive: many requests on one connection.
  for (int i = 0; i < 50; ++i) ASSERT_EQ(c.get("/api/status").status, 200);
  EXPECT_EQ(s.connections_accepted(), 1u);
}

TEST(Server, ChatWaitsForTheMockLlm) {
  auto o = local();
  o.llm.median = 300ms;
  o.llm.jitter = 0ms;
  Server s(o);
  s.start();
  net::HttpClient c("127.0.0.1", s.port());
  ASSERT_EQ(c.post_json("/api/sessions", R"({"session_id":"a","title":"t"})").status, 201);
  auto t0 = std::chrono::steady_clock::now();
  auto r = c.post_json("/api/chat", R"({"session_id":"a","content":"Hello, how are you?","stream":false})");
  EXPECT_EQ(r.status, 200);
  EXPECT_GE(seconds_since(t0), 0.29);
  EXPECT_GE(std::stod(r.header("X-Response-Time-Ms")), 290.0);
}

TEST(Server, InjectedFaultsReachTheClient) {
  {
    auto o = local();
    o.faults.error_rate = 1;
    Server s(o);
    s.start();
    net::HttpClient c("127.0.0.1", s.port());
    EXPECT_EQ(c.get("/api/agents").status, 500);
  }
  {
    auto o = local();
    o.faults.added_latency = 200ms;
    Server s(o);
    s.start();
    net::HttpClient c("127.0.0.1", s.port());
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(c.get("/api/agents").status, 200);
    EXPECT_GE(seconds_since(t0), 0.19);
  }
  {
    auto o = local();
    o.faults.drop_rate = 1;
    Server s(o);
    s.start();
    net::HttpClient c("127.0.0.1", s.port());
    EXPECT_THROW(c.get("/dashboard"), std::exception);  // cut off mid-body
    auto metrics = net::HttpClient("127.0.0.1", s.port()).get("/metrics");
    EXPECT_NE(metrics.body.find("mock_dropped_connections_total 1"), std::string::npos) << metrics.body;
  }
}

TEST(Server, MalformedRequestsGetAnErrorAndOthersAreServed) {
  Server s(local());
  s.start();
  net::HttpClient raw("127.0.0.1", s.port());
  auto bad = raw.raw_exchange("GARBAGE / HTTP/9.9\r\n\r\n");
  EXPECT_TRUE(bad.starts_with("HTTP/1.1 400")) << bad;
  auto big = raw.raw_exchange("GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(32 * 1024, 'a') + "\r\n\r\n");
  EXPECT_TRUE(big.starts_with("HTTP/1.1 431")) << big.substr(0, 64);
  net::HttpClient c("127.0.0.1", s.port());
  EXPECT_EQ(c.get("/api/health").status, 200);
}

TEST(Server, RateLimitAndAuthOverTheWire) {
  auto o = local();
  o.api_key = "k";
  o.rate_limit = Rate{3, std::chrono::seconds(10)};
  Server s(o);
  s.start();
  net::HttpClient c("127.0.0.1", s.port());
  EXPECT_EQ(c.post_json("/api/engine/chat/sessions", "{}").status, 401);
  net::Headers key{{"X-API-Key", "k"}};
  for (int i = 0; i < 3; ++i) EXPECT_EQ(c.post_json("/api/engine/chat/sessions", "{}", key).status, 201);
  auto limited = c.post_json("/api/engine/chat/sessions", "{}", key);
  EXPECT_EQ(limited.status, 429);
  EXPECT_FALSE(limited.header("Retry-After").empty());
}

TEST(Server, WebSocketChatStreams) {
  auto o = local();
  o.api_key = "k";
  o.llm.median = 100ms;
  o.llm.jitter = 0ms;
  Server s(o);
  s.start();
  net::HttpClient c("127.0.0.1", s.port());
  auto id = std::string(json::parse(c.post_json("/api/engine/chat/sessions", "{}", {{"X-API-Key", "k"}}).body)
                            .at("id")
                            .as_string());
  EXPECT_THROW(net::WebSocketClient("127.0.0.1", s.port(), "/ws/chat/" + id + "?api_key=wrong"), std::system_error);
  EXPECT_THROW(net::WebSocketClient("127.0.0.1", s.port(), "/ws/chat/missing?api_key=k"), std::system_error);

  net::WebSocketClient ws("127.0.0.1", s.port(), "/ws/chat/" + id + "?api_key=k");
  ws.send_text(R"({"type":"ping"})");
  EXPECT_EQ(json::parse(ws.receive_text()).at("type"), "pong");
  ws.send_text(R"({"type":"message","content":"Check the server health"})");
  EXPECT_EQ(json::parse(ws.receive_text()).at("type"), "stream_start");
  std::string content;
  int chunks = 0;
  for (;;) {
    auto v = json::parse(ws.receive_text()).as_object();
    if (v.at("type") == "stream_end") {
      EXPECT_EQ(v.at("finish_reason"), "stop");
      break;
    }
    ASSERT_EQ(v.at("type"), "content");
    content += v.at("content").as_string();
    ++chunks;
  }
  EXPECT_GT(chunks, 1);
  EXPECT_GE(content.size(), 2500u);
  ws.send_text("{oops");
  EXPECT_EQ(json::parse(ws.receive_text()).at("type"), "error");
  ws.close();
  auto metrics = c.get("/metrics").body;
  EXPECT_NE(metrics.find("websocket_messages_total 3"), std::string::npos);
}

TEST(Server, MetricsCountLiveTraffic) {
  Server s(local());
  s.start();
  net::HttpClient c("127.0.0.1", s.port());
  for (int i = 0; i < 7; ++i) c.get("/api/agents");
  c.get("/nope");
  auto body = c.get("/metrics").body;
  EXPECT_NE(body.find(R"(http_requests_total{method="GET",handler="/api/agents",status="200"} 7)"), std::string::npos)
      << body;
  EXPECT_NE(body.find(R"(http_requests_total{method="GET",handler="unmatched",status="404"} 1)"), std::string::npos);
  EXPECT_NE(body.find(R"(http_request_duration_seconds_bucket{handler="/api/agents",le="+Inf"} 7)"), std::string::npos);
  EXPECT_NE(body.find(R"(http_request_duration_seconds_count{handler="/api/agents"} 7)"), std::string::npos);
}

TEST(Server, ManyClientsOnAllThreads) {
  Server s(local(2));
  s.start();
  std::vector<std::future<int>> clients;
  for (int t = 0; t < 8; ++t)
    clients.push_back(std::async(std::launch::async, [&s, t] {
      net::HttpClient c("127.0.0.1", s.port());
      int ok = 0;
      auto id = engine_session(c);
      for (int i = 0; i < 100; ++i) ok += c.get(i % 2 ? "/api/status" : "/dashboard").status == 200;
      ok += c.get("/api/engine/chat/sessions/" + id + "/messages").status == 200;
      (void)t;
      return ok;
    }));
  for (auto& f : clients) EXPECT_EQ(f.get(), 101);
  EXPECT_EQ(s.router().sessions().size(), 8u);
}

TEST(Server, StopLetsInFlightResponsesFinishThenRefusesConnections) {
  auto o = local();
  o.llm.median = 300ms;
  o.llm.jitter = 0ms;
  Server s(o);
  s.start();
  auto port = s.port();
  net::HttpClient c("127.0.0.1", port);
  ASSERT_EQ(c.post_json("/api/sessions", R"({"session_id":"z"})").status, 201);
  auto pending = std::async(std::launch::async, [&c] {
    return c.post_json("/api/chat", R"({"session_id":"z","content":"Summarize our conversation"})").status;
  });
  std::this_thread::sleep_for(100ms);  // the chat is now waiting on the mock LLM
  s.stop();
  EXPECT_EQ(pending.get(), 200);
  net::HttpClient late("127.0.0.1", port, 2000ms);
  EXPECT_THROW(late.get("/api/health"), std::exception);
  s.stop();  // idempotent
}

TEST(Server, BindFailureIsARuntimeFailureNamingTheAddress) {
  Server first(local(1));
  first.start();
  auto o = local(1);
  o.listen.port = first.port();
  Server second(o);
  try {
    second.start();
    FAIL() << "bound a port already in use";
  } catch (const RuntimeFailure& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(first.port())), std::string::npos) << e.what();
  }
  auto bad = local(1);
  bad.listen.host = "not-an-ip";
  EXPECT_THROW(Server(bad).start(), UsageError);
}

}  // namespace
}  // namespace aria::mock
