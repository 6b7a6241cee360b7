// The replayer against the real stand-in on 127.0.0.1: the seed's scenario, class and task mix,
// think times, arrival mode under a stall, and each kind of failure.
#include "replayer/engine.hpp"

#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "mock/router.hpp"
#include "mock/server.hpp"
#include "model/builtin.hpp"
#include "model/json.hpp"

using namespace std::chrono_literals;

namespace aria::replayer {
namespace {

mock::Options mock_options() {
  mock::Options o;
  o.listen = {"127.0.0.1", 0};
  o.threads = 1;
  o.quiet = true;
  o.llm.median = 20ms;
  o.llm.jitter = 10ms;
  return o;
}

EngineOptions engine_options(const mock::Server& server, std::uint64_t users, std::chrono::microseconds run_time) {
  EngineOptions o;
  o.target = parse_target(server.url());
  o.users = users;
  o.spawn_rate = 1000;
  o.run_time = run_time;
  o.threads = 1;
  o.timeout = 5s;
  return o;
}

EngineResult run(const model::Model& m, EngineOptions o) {
  auto plan = compile_plan(m, 7);
  Engine engine(plan, o);
  return engine.run([](const Progress&) {}, 1s);
}

// A model of one class, one GET task per path in `paths` with the given weights.
model::Model simple_model(const std::string& think, const std::string& tasks, const std::string& extra_class = "") {
  return model::parse_model(
      R"({"format":"aria-harness/model","version":1,"name":"t","classes":[{"name":"A","weight":1,"think_time":)" +
          think + R"(,"tasks":[)" + tasks + "]}" + extra_class + "]}",
      "test");
}

std::uint64_t total_failures(const EngineResult& r) {
  std::uint64_t n = 0;
  for (const auto& [k, s] : r.stats.endpoints()) n += s.failures;
  return n;
}

TEST(Engine, SeedScenarioAtFiftyUsersHasNoFailuresAndTheSeedsClassMix) {
  mock::Server server(mock_options());
  server.start();
  auto r = run(model::builtin_aria(), engine_options(server, 50, 6s));
  ASSERT_EQ(r.classes.size(), 3u);
  EXPECT_EQ(r.classes[0].users, 25u);  // ChatUser 5
  EXPECT_EQ(r.classes[1].users, 15u);  // DashboardUser 3
  EXPECT_EQ(r.classes[2].users, 10u);  // APIUser 2
  EXPECT_EQ(total_failures(r), 0u);
  for (const auto& [k, n] : r.stats.failures()) ADD_FAILURE() << k.name << ": " << k.message << " x" << n;
  // on_start created 25 sessions and on_stop deleted them all.
  EXPECT_EQ(r.stats.endpoints().at({"/api/sessions", "POST"}).requests, 25u);
  EXPECT_EQ(r.stats.endpoints().at({"/api/sessions/[id]", "DELETE"}).requests, 25u);
  EXPECT_EQ(server.router().sessions().size(), 0u);
  EXPECT_GT(r.stats.endpoints().at({"/api/chat", "POST"}).requests, 0u);
  EXPECT_FALSE(r.aborted);
}

TEST(Engine, TaskMixFollowsTheWeights) {
  mock::Server server(mock_options());
  server.start();
  auto m = simple_model(R"({"kind":"constant","value":0.001})",
                        R"({"name":"a","weight":6,"steps":[{"path":"/api/health"}]},
                           {"name":"b","weight":3,"steps":[{"path":"/api/status"}]},
                           {"name":"c","weight":1,"steps":[{"path":"/api/models"}]})");
  auto r = run(m, engine_options(server, 10, 3s));
  const auto& t = r.classes[0].tasks;
  double total = static_cast<double>(t[0] + t[1] + t[2]);
  ASSERT_GT(total, 2000);
  EXPECT_NEAR(t[0] / total, 0.6, 0.03);
  EXPECT_NEAR(t[1] / total, 0.3, 0.03);
  EXPECT_NEAR(t[2] / total, 0.1, 0.03);
  EXPECT_EQ(r.stats.endpoints().at({"/api/health", "GET"}).requests, t[0]);
}

TEST(Engine, ThinkTimesAreHonoured) {
  mock::Server server(mock_options());
  server.start();
  auto m = simple_model(R"({"kind":"constant","value":0.25})", R"({"name":"a","steps":[{"path":"/api/health"}]})");
  auto r = run(m, engine_options(server, 4, 3s));
  // Each user sends, then waits 250 ms: about 12 iterations in 3 s, never more than 13.
  auto n = r.classes[0].iterations;
  EXPECT_GE(n, 4u * 9);
  EXPECT_LE(n, 4u * 13);
}

TEST(Engine, ArrivalModeHoldsItsRateWhileTheTargetStalls) {
  auto o = mock_options();
  o.faults.added_latency = 400ms;  // every response stalls
  mock::Server server(o);
  server.start();
  auto m = simple_model(R"({"kind":"constant","value":5})", R"({"name":"a","steps":[{"path":"/api/health"}]})");
  auto eo = engine_options(server, 200, 3s);
  eo.mode = Mode::arrival;
  eo.arrival_rate = 40;
  auto r = run(m, eo);
  // Open model: 40 iterations a second whatever the response time (a closed model with 5 s think
  // times would have sent one request per user).
  auto sent = r.stats.endpoints().at({"/api/health", "GET"}).requests;
  EXPECT_GE(sent, 100u);
  EXPECT_LE(sent, 125u);
  EXPECT_EQ(r.late_iterations, 0u);

  // Too few users for the rate: iterations wait for a free user and the wait shows in the
  // latency measured from the intended start, not in the latency from the actual send.
  eo.users = 4;
  auto starved = run(m, eo);
  const auto& s = starved.stats.endpoints().at({"/api/health", "GET"});
  EXPECT_GT(starved.late_iterations, 0u);
  EXPECT_LT(s.actual.percentile(0.99), 600'000);
  EXPECT_GT(s.intended.percentile(0.99), 1'000'000);
}

TEST(Engine, FailuresAreCountedByKindAndNeverStopTheRun) {
  auto o = mock_options();
  o.faults.error_rate = 1;
  mock::Server server(o);
  server.start();
  auto m = simple_model(R"({"kind":"constant","value":0.05})", R"({"name":"a","steps":[{"path":"/api/agents"}]})");
  auto r = run(m, engine_options(server, 2, 1s));
  const auto& s = r.stats.endpoints().at({"/api/agents", "GET"});
  EXPECT_GT(s.requests, 5u);
  EXPECT_EQ(s.failures, s.requests);
  ASSERT_EQ(r.stats.failures().size(), 1u);
  EXPECT_EQ(r.stats.failures().begin()->first.kind, FailureKind::status);
  EXPECT_EQ(r.stats.failures().begin()->first.message, "Status 500");
}

TEST(Engine, ConnectTimeoutResetAndCheckFailures) {
  auto m = simple_model(R"({"kind":"constant","value":0.05})", R"({"name":"a","steps":[{"path":"/api/agents"}]})");
  {
    mock::Server gone(mock_options());
    gone.start();
    auto eo = engine_options(gone, 1, 1s);
    gone.stop();  // nothing listens there any more
    auto r = run(m, eo);
    ASSERT_FALSE(r.stats.failures().empty());
    EXPECT_EQ(r.stats.failures().begin()->first.kind, FailureKind::connect);
  }
  {
    auto o = mock_options();
    o.faults.added_latency = 2s;
    mock::Server slow(o);
    slow.start();
    auto eo = engine_options(slow, 1, 1s);
    eo.timeout = 200ms;
    auto r = run(m, eo);
    ASSERT_FALSE(r.stats.failures().empty());
    EXPECT_EQ(r.stats.failures().begin()->first.kind, FailureKind::timeout);
  }
  {
    auto o = mock_options();
    o.faults.drop_rate = 1;
    mock::Server dropping(o);
    dropping.start();
    auto r = run(m, engine_options(dropping, 1, 1s));
    ASSERT_FALSE(r.stats.failures().empty());
    EXPECT_EQ(r.stats.failures().begin()->first.kind, FailureKind::reset);
  }
  {
    mock::Server server(mock_options());
    server.start();
    auto checked = simple_model(R"({"kind":"constant","value":0.05})",
                                R"({"name":"a","steps":[{"path":"/api/agents","check":{"json_any":["nope"]}}]})");
    auto r = run(checked, engine_options(server, 1, 1s));
    ASSERT_FALSE(r.stats.failures().empty());
    EXPECT_EQ(r.stats.failures().begin()->first.kind, FailureKind::check);
    EXPECT_EQ(r.stats.failures().begin()->first.message, "No nope in response");
  }
}

TEST(Engine, ExtractionsCarryServerMadeIds) {
  mock::Server server(mock_options());
  server.start();
  auto m = model::parse_model(R"({"format":"aria-harness/model","version":1,"name":"engine","messages":["hi","yo"],
    "classes":[{"name":"E","weight":1,"think_time":{"kind":"constant","value":0.01},
      "on_start":[{"method":"POST","path":"/api/engine/chat/sessions","json":{"title":"t"},
                   "check":{"status":[201]},"extract":[{"var":"sid","from":"json","pointer":"/id"}]}],
      "on_stop":[{"method":"DELETE","path":"/api/engine/chat/sessions/{sid}","name":"/api/engine/chat/sessions/[id]"}],
      "tasks":[{"name":"history","steps":[{"path":"/api/engine/chat/sessions/{sid}/messages",
                                           "name":"/api/engine/chat/sessions/[id]/messages"}]}]}]})",
                              "test");
  auto r = run(m, engine_options(server, 3, 1s));
  EXPECT_EQ(total_failures(r), 0u);
  EXPECT_GT(r.stats.endpoints().at({"/api/engine/chat/sessions/[id]/messages", "GET"}).requests, 10u);
  EXPECT_EQ(r.stats.endpoints().at({"/api/engine/chat/sessions/[id]", "DELETE"}).requests, 3u);
}

TEST(Engine, AbortEndsTheRunEarly) {
  mock::Server server(mock_options());
  server.start();
  auto m = simple_model(R"({"kind":"constant","value":0.05})", R"({"name":"a","steps":[{"path":"/api/health"}]})");
  auto plan = compile_plan(m, 1);
  Engine engine(plan, engine_options(server, 2, 60s));
  std::thread stopper([&] {
    std::this_thread::sleep_for(500ms);
    engine.abort();
  });
  auto r = engine.run([](const Progress&) {}, 1s);
  stopper.join();
  EXPECT_TRUE(r.aborted);
  EXPECT_LT(r.duration_s, 5.0);
  EXPECT_GT(r.stats.endpoints().at({"/api/health", "GET"}).requests, 0u);
}

TEST(Engine, ASaturatedGeneratorIsFlaggedUnreliable) {
  mock::Server server(mock_options());
  server.start();
  auto m = simple_model(R"({"kind":"constant","value":0.01})", R"({"name":"a","steps":[{"path":"/api/health"}]})");
  auto eo = engine_options(server, 2, 1s);
  auto calm = run(m, eo);
  EXPECT_FALSE(calm.unreliable) << calm.unreliable_reason;
  eo.saturation_cpu = 0;  // any CPU use counts as saturation
  auto flagged = run(m, eo);
  EXPECT_TRUE(flagged.unreliable);
  EXPECT_NE(flagged.unreliable_reason.find("generator CPU"), std::string::npos) << flagged.unreliable_reason;
  eo.saturation_cpu = 0.9;
  eo.saturation_lag_ms = 0;  // any lateness counts
  auto lagging = run(m, eo);
  EXPECT_TRUE(lagging.unreliable);
  EXPECT_NE(lagging.unreliable_reason.find("event-loop lag"), std::string::npos) << lagging.unreliable_reason;
}

TEST(Target, ParsesHttpAndRefusesTheRest) {
  auto t = parse_target("http://127.0.0.1:5000/");
  EXPECT_EQ(t.host, "127.0.0.1");
  EXPECT_EQ(t.port, "5000");
  EXPECT_EQ(t.host_header, "127.0.0.1:5000");
  EXPECT_EQ(t.url, "http://127.0.0.1:5000");
  EXPECT_EQ(parse_target("http://localhost").port, "80");
  EXPECT_THROW(parse_target("ftp://x"), UsageError);
  auto tls = parse_target("https://aria.example");
  EXPECT_TRUE(tls.tls);
  EXPECT_EQ(tls.port, "443");
  EXPECT_FALSE(t.tls);
  EXPECT_THROW(parse_target("http://h:99999"), UsageError);
  EXPECT_THROW(parse_target("http://h:5000/base"), UsageError);
}

}  // namespace
}  // namespace aria::replayer
