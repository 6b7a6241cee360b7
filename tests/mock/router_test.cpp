// Route-level tests of the stand-in: no sockets, the Router called as the server calls it.
#include "mock/router.hpp"
#include "mock/state.hpp"

#include <boost/json.hpp>
#include <gtest/gtest.h>

using namespace std::chrono_literals;
namespace json = boost::json;

namespace aria::mock {
namespace {

struct Fixture {
  Options options;
  std::unique_ptr<Router> router;
  Rng rng{42};

  explicit Fixture(Options o = {}) : options(std::move(o)), router(std::make_unique<Router>(options)) {}

  Response call(std::string_view method, std::string_view target, std::string_view body = {},
                std::string_view api_key = {}, std::string_view xff = {}) {
    // The target is copied into a larger buffer so that it is not NUL-terminated, as in Beast.
    buffer = std::string(target) + "XYZ";
    Request r;
    r.method = method;
    r.target = std::string_view(buffer).substr(0, target.size());
    r.body = body;
    r.api_key = api_key;
    r.forwarded_for = xff;
    r.peer_ip = "127.0.0.1";
    return router->handle(r, rng);
  }
  std::string buffer;
};

json::object object_of(const Response& r) {
  auto v = json::parse(r.body);
  EXPECT_TRUE(v.is_object()) << r.body;
  return v.as_object();
}

TEST(Router, ApiRoutesAnswerWithTheirJsonShapes) {
  Fixture f;
  auto health = f.call("GET", "/api/health");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.content_type, "application/json");
  auto h = object_of(health);
  EXPECT_EQ(h.at("status"), "healthy");
  EXPECT_TRUE(h.at("uptime_seconds").is_number());
  EXPECT_TRUE(h.contains("database"));
  EXPECT_TRUE(h.contains("version"));

  auto status = object_of(f.call("GET", "/api/status"));
  for (auto* service : {"api", "database", "llm"}) {
    EXPECT_EQ(status.at(service).at("status"), "up") << service;
    EXPECT_EQ(status.at(service).at("code"), 200) << service;
  }
  auto skills = object_of(f.call("GET", "/api/skills"));
  EXPECT_TRUE(skills.at("skills").is_array());
  for (auto* k : {"count", "healthy", "degraded", "unavailable"}) EXPECT_TRUE(skills.at(k).is_number()) << k;
  EXPECT_TRUE(object_of(f.call("GET", "/api/agents")).at("agents").is_array());
  EXPECT_TRUE(object_of(f.call("GET", "/api/models")).at("models").is_array());

  auto metrics = f.call("GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_TRUE(metrics.content_type.starts_with("text/plain"));
  EXPECT_NE(metrics.body.find("process_resident_memory_bytes "), std::string::npos);
}

TEST(Router, DashboardPagesAreHtmlOfRealisticSize) {
  Fixture f;
  for (auto* path : {"/dashboard", "/agents", "/skills", "/sessions", "/schedule", "/status", "/goals",
                     "/health/dashboard"}) {
    auto r = f.call("GET", path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.content_type, "text/html; charset=utf-8") << path;
    EXPECT_GE(r.body.size(), 40'000u) << path;
    EXPECT_LE(r.body.size(), 125'000u) << path;
    EXPECT_TRUE(r.body.starts_with("<!DOCTYPE html>")) << path;
  }
}

TEST(Router, UnknownPathsAndWrongMethods) {
  Fixture f;
  EXPECT_EQ(f.call("GET", "/nope").status, 404);
  EXPECT_EQ(f.call("POST", "/api/health").status, 405);
  EXPECT_EQ(f.call("GET", "/api/chat").status, 405);
  EXPECT_EQ(f.call("HEAD", "/api/health").status, 200);
  EXPECT_EQ(f.call("GET", "/ws/chat/abc").status, 426);  // not an upgrade
}

TEST(Router, SeedSessionLifecycle) {
  Fixture f;
  auto created = f.call("POST", "/api/sessions", R"({"session_id":"load-test-1-99","title":"Load Test Session"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(object_of(created).at("session_id"), "load-test-1-99");
  EXPECT_EQ(f.call("POST", "/api/sessions", R"({"session_id":"load-test-1-99"})").status, 409);

  auto chat = f.call("POST", "/api/chat", R"({"session_id":"load-test-1-99","content":"Hello, how are you?","stream":false})");
  ASSERT_EQ(chat.status, 200) << chat.body;
  auto c = object_of(chat);
  auto content = c.at("content").as_string();
  EXPECT_GE(content.size(), 2500u);
  EXPECT_LE(content.size(), 9000u);
  EXPECT_GE(chat.delay, 100ms);  // mock LLM: 150 ms ± 50 ms by default
  EXPECT_LE(chat.delay, 200ms);

  auto history = object_of(f.call("GET", "/api/sessions/load-test-1-99/history"));
  ASSERT_EQ(history.at("messages").as_array().size(), 2u);
  EXPECT_EQ(history.at("messages").as_array()[0].at("content"), "Hello, how are you?");
  EXPECT_EQ(history.at("messages").as_array()[1].at("role"), "assistant");

  auto search = object_of(f.call("GET", "/api/sessions/search?q=hello"));
  EXPECT_EQ(search.at("total"), 1);
  EXPECT_EQ(search.at("results").as_array()[0].at("session_id"), "load-test-1-99");

  EXPECT_EQ(f.call("DELETE", "/api/sessions/load-test-1-99").status, 200);
  EXPECT_EQ(f.call("GET", "/api/sessions/load-test-1-99/history").status, 404);
  EXPECT_EQ(f.call("POST", "/api/chat", R"({"session_id":"load-test-1-99","content":"x"})").status, 404);
  EXPECT_EQ(f.call("DELETE", "/api/sessions/load-test-1-99").status, 404);
}

TEST(Router, SeedChatValidatesItsBody) {
  Fixture f;
  f.call("POST", "/api/sessions", R"({"session_id":"s1"})");
  EXPECT_EQ(f.call("POST", "/api/chat", "not json").status, 422);
  EXPECT_EQ(f.call("POST", "/api/chat", R"({"session_id":"s1"})").status, 422);
  EXPECT_EQ(f.call("POST", "/api/chat", R"([1,2])").status, 422);
  EXPECT_EQ(f.call("POST", "/api/sessions", "{broken").status, 422);
}

TEST(SessionStore, EndedSessionsAreKeptUpToACapNewestFirst) {
  SessionStore store;
  const std::size_t n = SessionStore::kEndedKept + 5'000;
  for (std::size_t i = 0; i < n; ++i) {
    Session s;
    s.id = "s-" + std::to_string(i);
    s.dialect = Dialect::engine;
    ASSERT_TRUE(store.create(std::move(s)));
    ASSERT_TRUE(store.end("s-" + std::to_string(i)));
  }
  // Open sessions are never dropped; ended ones down to the cap (each shard its share).
  Session open;
  open.id = "open";
  store.create(open);
  EXPECT_LE(store.size(), SessionStore::kEndedKept + 16 + 1);
  EXPECT_GE(store.size(), SessionStore::kEndedKept * 9 / 10);  // shards fill unevenly, not by much
  EXPECT_TRUE(store.get("open"));
  auto newest = store.get("s-" + std::to_string(n - 1));
  ASSERT_TRUE(newest);
  EXPECT_TRUE(newest->ended);
  EXPECT_FALSE(store.get("s-0"));
}

TEST(Router, EngineSessionLifecycle) {
  Fixture f;
  auto created = f.call("POST", "/api/engine/chat/sessions",
                        R"({"agent_id":"aria","model":"mock-llm","session_type":"interactive","title":"Research"})");
  ASSERT_EQ(created.status, 201) << created.body;
  auto s = object_of(created);
  std::string id(s.at("id").as_string());
  EXPECT_EQ(id.size(), 36u);
  EXPECT_EQ(id[14], '4');  // uuid4
  EXPECT_EQ(s.at("status"), "active");
  for (auto* k : {"agent_id", "model", "session_type", "created_at"}) EXPECT_TRUE(s.contains(k)) << k;

  const std::string messages = "/api/engine/chat/sessions/" + id + "/messages";
  auto reply = f.call("POST", messages, R"({"content":"Research the latest AI papers","enable_thinking":true,"enable_tools":false})");
  ASSERT_EQ(reply.status, 200) << reply.body;
  auto r = object_of(reply);
  for (auto* k : {"message_id", "session_id", "content", "thinking", "tool_calls", "tool_results", "model",
                  "input_tokens", "output_tokens", "total_tokens", "cost_usd", "latency_ms", "finish_reason"})
    EXPECT_TRUE(r.contains(k)) << k;
  EXPECT_EQ(r.at("session_id").as_string(), id);
  EXPECT_EQ(r.at("total_tokens").as_int64(), r.at("input_tokens").as_int64() + r.at("output_tokens").as_int64());

  // The same content again within 5 s is refused, as Aria does.
  EXPECT_EQ(f.call("POST", messages, R"({"content":"Research the latest AI papers"})").status, 404);
  EXPECT_EQ(f.call("POST", messages, R"({"content":""})").status, 422);
  EXPECT_EQ(f.call("POST", messages, R"({"enable_tools":true})").status, 422);

  auto listed = object_of(f.call("GET", messages));
  EXPECT_EQ(listed.at("messages").as_array().size(), 2u);
  auto found = object_of(f.call("GET", "/api/engine/sessions?search=research&limit=20&offset=0"));
  EXPECT_EQ(found.at("total"), 1);
  EXPECT_EQ(found.at("limit"), 20);
  EXPECT_EQ(found.at("offset"), 0);
  EXPECT_EQ(found.at("has_more"), false);
  EXPECT_EQ(found.at("sessions").as_array()[0].at("id").as_string(), id);
  EXPECT_EQ(f.call("GET", "/api/engine/sessions?limit=0").status, 422);

  auto ended = f.call("DELETE", "/api/engine/chat/sessions/" + id);
  ASSERT_EQ(ended.status, 200);
  EXPECT_EQ(object_of(ended).at("status"), "ended");
  EXPECT_EQ(f.call("POST", messages, R"({"content":"anything else"})").status, 404);
  EXPECT_EQ(f.call("DELETE", "/api/engine/chat/sessions/" + id).status, 404);
  EXPECT_EQ(f.call("POST", "/api/engine/chat/sessions/no-such-id/messages", R"({"content":"x"})").status, 404);
}

TEST(Router, EngineSearchPages) {
  Fixture f;
  for (int i = 0; i < 5; ++i) f.call("POST", "/api/engine/chat/sessions", R"({"title":"paged"})");
  auto page = object_of(f.call("GET", "/api/engine/sessions?search=paged&limit=2&offset=2"));
  EXPECT_EQ(page.at("total"), 5);
  EXPECT_EQ(page.at("sessions").as_array().size(), 2u);
  EXPECT_EQ(page.at("has_more"), true);
}

TEST(Router, ApiKeyGuardsApiButNotHealthStatusOrMetrics) {
  Options o;
  o.api_key = "s3cret";
  Fixture f(o);
  auto denied = f.call("GET", "/api/agents");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(object_of(denied).at("detail"), "Invalid or missing API key");
  EXPECT_EQ(f.call("GET", "/api/agents", {}, "wrong").status, 401);
  EXPECT_EQ(f.call("GET", "/api/agents", {}, "s3cret").status, 200);
  EXPECT_EQ(f.call("GET", "/api/health").status, 200);
  EXPECT_EQ(f.call("GET", "/api/status").status, 200);
  EXPECT_EQ(f.call("GET", "/metrics").status, 200);
  EXPECT_EQ(f.call("POST", "/api/engine/chat/sessions", "{}").status, 401);
  EXPECT_EQ(f.call("GET", "/ws/chat/x?api_key=wrong").status, 401);
  EXPECT_EQ(f.call("GET", "/ws/chat/x?api_key=s3cret").status, 426);  // past auth: not an upgrade

  Fixture open;  // no key configured: everything open
  EXPECT_EQ(open.call("GET", "/api/agents").status, 200);
}

TEST(Router, RateLimitCountsWritesPerClient) {
  Options o;
  o.rate_limit = Rate{50, std::chrono::seconds(5)};
  Fixture f(o);
  for (int i = 0; i < 50; ++i)
    ASSERT_EQ(f.call("POST", "/api/engine/chat/sessions", "{}", {}, "10.0.0.1").status, 201) << i;
  auto limited = f.call("POST", "/api/engine/chat/sessions", "{}", {}, "10.0.0.1, 192.168.0.1");
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(object_of(limited).at("detail"), "Rate limit exceeded: burst_exceeded");
  EXPECT_GE(limited.retry_after, 1);
  EXPECT_LE(limited.retry_after, 5);
  EXPECT_EQ(f.call("GET", "/api/agents", {}, {}, "10.0.0.1").status, 200);  // reads are not limited
  EXPECT_EQ(f.call("POST", "/api/engine/chat/sessions", "{}", {}, "10.0.0.2").status, 201);  // another client
}

TEST(RateLimiter, FreesSlotsAsTheWindowSlides) {
  RateLimiter limiter(Rate{2, std::chrono::seconds(5)});
  auto t0 = RateLimiter::Clock::now();
  EXPECT_EQ(limiter.acquire("a", t0), 0);
  EXPECT_EQ(limiter.acquire("a", t0 + 1s), 0);
  EXPECT_EQ(limiter.acquire("a", t0 + 2s), 3);  // the first slot frees at t0 + 5 s
  EXPECT_EQ(limiter.acquire("a", t0 + 5s), 0);
}

TEST(Router, FaultInjection) {
  {
    Options o;
    o.faults.error_rate = 1;
    Fixture f(o);
    auto r = f.call("GET", "/api/agents");
    EXPECT_EQ(r.status, 500);
    EXPECT_EQ(f.call("GET", "/metrics").status, 200);  // metrics stay readable
  }
  {
    Options o;
    o.faults.drop_rate = 1;
    o.faults.added_latency = 250ms;
    Fixture f(o);
    auto r = f.call("GET", "/api/agents");
    EXPECT_TRUE(r.drop);
    EXPECT_EQ(r.delay, 250ms);
  }
  {
    Options o;
    o.faults.llm_error_rate = 1;
    Fixture f(o);
    auto id = std::string(object_of(f.call("POST", "/api/engine/chat/sessions", "{}")).at("id").as_string());
    EXPECT_EQ(f.call("POST", "/api/engine/chat/sessions/" + id + "/messages", R"({"content":"hi"})").status, 502);
    f.call("POST", "/api/sessions", R"({"session_id":"s"})");
    auto seed = f.call("POST", "/api/chat", R"({"session_id":"s","content":"hi"})");
    EXPECT_EQ(seed.status, 200);  // the seed dialect reports LLM errors in the body
    EXPECT_TRUE(object_of(seed).contains("error"));
  }
  {
    Options o;
    o.faults.error_rate = 0.5;
    Fixture f(o);
    int errors = 0;
    for (int i = 0; i < 400; ++i) errors += f.call("GET", "/api/models").status == 500;
    EXPECT_GT(errors, 120);
    EXPECT_LT(errors, 280);
  }
}

TEST(Router, LlmLatencyFollowsTheProfile) {
  Options o;
  o.llm.median = 1000ms;
  o.llm.jitter = 100ms;
  Fixture f(o);
  for (int i = 0; i < 200; ++i) {
    auto d = f.router->draw_llm_latency(f.rng);
    ASSERT_GE(d, 900ms);
    ASSERT_LE(d, 1100ms);
  }
  Options r;
  r.llm.profile = LlmLatency::Profile::realistic;
  Fixture g(r);
  for (int i = 0; i < 200; ++i) {
    auto d = g.router->draw_llm_latency(g.rng);
    ASSERT_GE(d, 40s);
    ASSERT_LE(d, 85s);
  }
}

TEST(Router, WebSocketTurnStreamsTheReply) {
  Fixture f;
  auto id = std::string(object_of(f.call("POST", "/api/engine/chat/sessions", "{}")).at("id").as_string());
  Request up;
  up.method = "GET";
  std::string target = "/ws/chat/" + id;
  up.target = target;
  up.websocket_upgrade = true;
  auto res = f.router->handle(up, f.rng);
  ASSERT_TRUE(res.upgrade);
  EXPECT_EQ(res.session_id, id);

  auto pong = f.router->websocket_turn(id, R"({"type":"ping"})", f.rng);
  ASSERT_EQ(pong.size(), 1u);
  EXPECT_EQ(json::parse(pong[0].text).at("type"), "pong");

  auto frames = f.router->websocket_turn(id, R"({"type":"message","content":"Write a haiku about programming"})", f.rng);
  ASSERT_GE(frames.size(), 3u);
  EXPECT_EQ(json::parse(frames.front().text).at("type"), "stream_start");
  auto end = json::parse(frames.back().text).as_object();
  EXPECT_EQ(end.at("type"), "stream_end");
  for (auto* k : {"message_id", "finish_reason", "model", "tokens_input", "tokens_output", "cost"})
    EXPECT_TRUE(end.contains(k)) << k;
  std::string streamed;
  std::chrono::microseconds total{0};
  for (std::size_t i = 1; i + 1 < frames.size(); ++i) {
    auto v = json::parse(frames[i].text).as_object();
    EXPECT_EQ(v.at("type"), "content");
    streamed += v.at("content").as_string();
    total += frames[i].delay;
  }
  EXPECT_GE(streamed.size(), 2500u);
  EXPECT_GE(total, 99ms);  // the LLM latency is spread over the stream
  auto history = object_of(f.call("GET", "/api/engine/chat/sessions/" + id + "/messages"));
  EXPECT_EQ(history.at("messages").as_array()[1].at("content").as_string(), streamed);

  auto bad = f.router->websocket_turn(id, "not json", f.rng);
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(json::parse(bad[0].text).at("type"), "error");
  f.call("DELETE", "/api/engine/chat/sessions/" + id);
  auto ended = f.router->websocket_turn(id, R"({"type":"message","content":"again"})", f.rng);
  EXPECT_EQ(json::parse(ended[0].text).at("type"), "error");
}

TEST(Router, QueryValuesAreDecoded) {
  Fixture f;
  f.call("POST", "/api/sessions", R"({"session_id":"q1","title":"hello world"})");
  auto plus = object_of(f.call("GET", "/api/sessions/search?q=hello+world"));
  EXPECT_EQ(plus.at("query"), "hello world");
  EXPECT_EQ(plus.at("total"), 1);
  auto pct = object_of(f.call("GET", "/api/sessions/search?q=hello%20world"));
  EXPECT_EQ(pct.at("total"), 1);
  EXPECT_EQ(f.call("GET", "/api/sessions/search?q=%zz").status, 400);
}

}  // namespace
}  // namespace aria::mock
