// The synthesizer against recordings made from known truths: the model it gives back must
// match the truth the traffic came from.
#include "model/synthesize.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/ids.hpp"
#include "model/json.hpp"
#include "model/shapes.hpp"

namespace aria::model {
namespace {

// ---------------------------------------------------------------------------------------------
// A truth, and traffic drawn from it.

struct TruthRequest {
  std::string method, path, body, response;  // "{id}" in path, body and response: the session's value
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct TruthTask {
  std::string key;  // the template key the synthesizer should name it by
  double weight;
  TruthRequest request;
};

struct TruthClass {
  std::string name;
  double weight;
  double think_min, think_max;
  std::vector<TruthRequest> on_start, on_stop;
  std::vector<TruthTask> tasks;
  std::string id_kind = "prefix";  // prefix: the client makes "load-test-N-x"; uuid: the server hands one out
};

struct Truth {
  std::vector<TruthClass> classes;
};

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
  return s;
}

// Visitors with 1-2 sessions each (an hour apart), `tasks` task requests per session.
std::vector<store::ExchangeRow> traffic(const Truth& truth, int visitors, int tasks, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<store::ExchangeRow> rows;
  std::int64_t clock = 1'700'000'000'000'000;
  double total_weight = 0;
  for (const auto& c : truth.classes) total_weight += c.weight;
  int visitor = 0;
  for (const auto& c : truth.classes) {
    const int n = static_cast<int>(std::lround(c.weight / total_weight * visitors));
    for (int v = 0; v < n; ++v, ++visitor) {
      std::int64_t t = clock + visitor * 1'000;
      const int sessions = 1 + static_cast<int>(rng() % 2);
      for (int s = 0; s < sessions; ++s) {
        const std::string id = c.id_kind == "uuid" ? make_uuid4(rng) : fmt::format("load-test-{}-k{}x", visitor, s);
        auto emit = [&](const TruthRequest& r) {
          store::ExchangeRow row;
          row.recording_id = 1;
          row.visitor = fmt::format("visitor-{}", visitor);
          row.started_us = t;
          row.total_us = 4'000;
          row.method = r.method;
          auto path = replace_all(r.path, "{id}", id);
          auto q = path.find('?');
          row.path = path.substr(0, q);
          if (q != std::string::npos) row.query = path.substr(q + 1);
          boost::json::array headers;
          for (const auto& [k, val] : r.headers) headers.push_back(boost::json::array{k.c_str(), val.c_str()});
          row.request_headers = boost::json::serialize(headers);
          row.request_body = replace_all(r.body, "{id}", id);
          row.request_body_size = static_cast<std::int64_t>(row.request_body.size());
          row.status = r.status;
          row.response_body = replace_all(r.response, "{id}", id);
          rows.push_back(std::move(row));
          t += 4'000;
        };
        for (const auto& r : c.on_start) emit(r);
        std::vector<double> weights;
        for (const auto& task : c.tasks) weights.push_back(task.weight);
        std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
        std::uniform_real_distribution<double> think(c.think_min, c.think_max);
        for (int k = 0; k < tasks; ++k) {
          if (k > 0) t += static_cast<std::int64_t>(think(rng) * 1e6);
          emit(c.tasks[pick(rng)].request);
        }
        for (const auto& r : c.on_stop) emit(r);
        t += 3600LL * 1'000'000;  // the next session, an hour later
      }
    }
  }
  return rows;
}

// The seed's scenario, as traffic of the seed's dialect.
Truth seed_truth() {
  const std::vector<std::pair<std::string, std::string>> json = {{"Content-Type", "application/json"}};
  TruthClass chat{"ChatUser", 5, 1, 5, {}, {}, {}};
  chat.on_start = {{"POST", "/api/sessions", R"({"session_id":"{id}","title":"Load Test Session"})",
                    R"({"session_id":"{id}","title":"Load Test Session"})", 201, json}};
  chat.on_stop = {{"DELETE", "/api/sessions/{id}", "", R"({"deleted":true})", 200, {}}};
  chat.tasks = {
      {"POST /api/chat", 10,
       {"POST", "/api/chat", R"({"session_id":"{id}","content":"Hello, how are you?","stream":false})",
        R"({"content":"Hi","session_id":"{id}"})", 200, json}},
      {"GET /api/sessions/[id]/history", 3, {"GET", "/api/sessions/{id}/history", "", R"({"messages":[]})", 200, {}}},
      {"GET /api/sessions/search", 1, {"GET", "/api/sessions/search?q=hello", "", "[]", 200, {}}}};
  TruthClass dash{"DashboardUser", 3, 2, 8, {}, {}, {}};
  for (auto [page, w] : std::vector<std::pair<std::string, double>>{
           {"/dashboard", 5}, {"/agents", 3}, {"/skills", 3}, {"/sessions", 2}, {"/schedule", 2}, {"/status", 2},
           {"/goals", 1}, {"/health/dashboard", 1}})
    dash.tasks.push_back({"GET " + page, w, {"GET", page, "", "<html></html>", 200, {}}});
  TruthClass api{"APIUser", 2, 0.5, 2, {}, {}, {}};
  for (auto [path, w] : std::vector<std::pair<std::string, double>>{
           {"/api/status", 5}, {"/api/agents", 3}, {"/api/skills", 3}, {"/api/models", 2}, {"/api/health", 1},
           {"/metrics", 1}})
    api.tasks.push_back({"GET " + path, w, {"GET", path, "", "{}", 200, {}}});
  return {{chat, dash, api}};
}

// Another system shape: engine-dialect chat whose session ids the server makes, behind an API
// key; report users the profile does not know.
Truth engine_truth() {
  const std::vector<std::pair<std::string, std::string>> key = {{"X-API-Key", "[redacted:0123456789abcdef]"},
                                                                {"Content-Type", "application/json"}};
  TruthClass chat{"ChatUser", 3, 0.2, 0.6, {}, {}, {}, "uuid"};
  chat.on_start = {{"POST", "/api/engine/chat/sessions", "{}", R"({"id":"{id}","created":true})", 201, key}};
  chat.on_stop = {{"DELETE", "/api/engine/chat/sessions/{id}", "", "", 204, key}};
  chat.tasks = {{"POST /api/engine/chat/sessions/[id]/messages", 4,
                 {"POST", "/api/engine/chat/sessions/{id}/messages", R"({"content":"What is the weather?"})",
                  R"({"content":"Sunny","role":"assistant"})", 200, key}},
                {"GET /api/engine/chat/sessions/[id]", 1,
                 {"GET", "/api/engine/chat/sessions/{id}", "", R"({"id":"{id}","messages":[]})", 200, key}}};
  TruthClass reports{"ReportsUser", 2, 3, 4, {}, {}, {}};
  reports.tasks = {{"GET /reports/daily", 1, {"GET", "/reports/daily", "", "<html></html>", 200, {}}},
                   {"GET /reports/weekly", 3, {"GET", "/reports/weekly", "", "<html></html>", 200, {}}}};
  return {{chat, reports}};
}

const UserClass* find_class(const Model& m, std::string_view name) {
  for (const auto& c : m.classes)
    if (c.name == name) return &c;
  return nullptr;
}

// Class weights within 0.03, task weights within 0.05, think min, median, max within 10 % + 50 ms.
void expect_matches_truth(const Synthesis& s, const Truth& truth) {
  double total = 0;
  for (const auto& c : truth.classes) total += c.weight;
  ASSERT_EQ(s.model.classes.size(), truth.classes.size());
  for (const auto& tc : truth.classes) {
    SCOPED_TRACE(tc.name);
    const auto* c = find_class(s.model, tc.name);
    ASSERT_NE(c, nullptr);
    EXPECT_NEAR(c->weight, tc.weight / total, 0.03);
    double task_total = 0;
    for (const auto& t : tc.tasks) task_total += t.weight;
    double model_total = 0;
    for (const auto& t : c->tasks) model_total += t.weight;
    ASSERT_EQ(c->tasks.size(), tc.tasks.size());
    for (const auto& tt : tc.tasks) {
      auto it = std::find_if(c->tasks.begin(), c->tasks.end(), [&](const Task& t) { return t.name == tt.key; });
      ASSERT_NE(it, c->tasks.end()) << tt.key;
      EXPECT_NEAR(it->weight / model_total, tt.weight / task_total, 0.05) << tt.key;
    }
    EXPECT_EQ(c->on_start.size(), tc.on_start.size());
    EXPECT_EQ(c->on_stop.size(), tc.on_stop.size());
    ASSERT_EQ(c->think.kind, ThinkTime::Kind::empirical);
    const auto& q = c->think.quantiles_s;
    auto near = [](double got, double want) { return std::abs(got - want) <= 0.1 * want + 0.05; };
    EXPECT_TRUE(near(q.front(), tc.think_min)) << q.front() << " vs " << tc.think_min;
    EXPECT_TRUE(near(q[q.size() / 2], (tc.think_min + tc.think_max) / 2)) << q[q.size() / 2];
    EXPECT_TRUE(near(q.back(), tc.think_max)) << q.back() << " vs " << tc.think_max;
  }
}

TEST(Shapes, IdsAreToldFromWords) {
  using K = ValueShape::Kind;
  EXPECT_EQ(shape_of("0b7e3c9a-2f4d-4e1b-9a8c-5d6e7f8a9b0c").kind, K::uuid);
  EXPECT_EQ(shape_of("12345").kind, K::number);
  EXPECT_EQ(shape_of("9f86d081884c7d65").kind, K::hex);
  EXPECT_EQ(shape_of("9f86d081884c7d65").length, 16);
  auto p = shape_of("load-test-12-a1b2c3");
  EXPECT_EQ(p.kind, K::prefixed);
  EXPECT_EQ(p.prefix, "load-test-");
  EXPECT_EQ(shape_of("user_7").kind, K::prefixed);
  EXPECT_EQ(shape_of("dGhpcyBpcyBhIHRva2VuMTI").kind, K::token);
  for (auto word : {"health", "dashboard", "search", "v1", "api-v2", "deadbeef", "", "messages"})
    EXPECT_FALSE(shape_of(word).is_id()) << word;
  EXPECT_TRUE(is_redaction_marker("[redacted:0123456789abcdef]"));
  EXPECT_FALSE(is_redaction_marker("[redacted:0123]"));
}

TEST(Profile, PatternsMatchSegmentsAndMethods) {
  auto p = parse_route_pattern("POST /api/engine/chat/sessions/*/messages");
  EXPECT_TRUE(p.matches("POST", "/api/engine/chat/sessions/abc/messages"));
  EXPECT_FALSE(p.matches("GET", "/api/engine/chat/sessions/abc/messages"));
  EXPECT_FALSE(p.matches("POST", "/api/engine/chat/sessions/abc/def/messages"));
  auto any = parse_route_pattern("/api/**");
  EXPECT_TRUE(any.matches("GET", "/api"));
  EXPECT_TRUE(any.matches("GET", "/api/a/b/c"));
  EXPECT_FALSE(any.matches("GET", "/apix"));
  EXPECT_THROW(parse_route_pattern("api/x"), std::invalid_argument);
  EXPECT_THROW(parse_route_pattern("/a*b"), std::invalid_argument);
  EXPECT_EQ(aria_profile().classes.size(), 3u);
  EXPECT_EQ(aria_profile().messages.size(), 10u);
}

TEST(Profile, BadProfilesAreRefusedNamingThePlace) {
  auto message = [](std::string_view text) {
    try {
      parse_profile(text, "p.json");
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("{").find("p.json: not valid JSON"), std::string::npos);
  EXPECT_NE(message(R"({"format":"x","version":1,"classes":[]})").find("format"), std::string::npos);
  EXPECT_NE(message(R"({"format":"aria-harness/profile","version":1,"classes":[{"name":"A","routes":["x"]}]})")
                .find("classes[0].routes[0]"),
            std::string::npos);
  EXPECT_NE(message(R"({"format":"aria-harness/profile","version":1,"classes":[{"name":"A","routes":["/a"],"rout":1}]})")
                .find("classes[0].rout: unknown member"),
            std::string::npos);
}

TEST(Synthesize, TheSeedsScenarioComesBack) {
  const auto truth = seed_truth();
  auto s = synthesize(traffic(truth, 200, 40, 1), {});
  expect_matches_truth(s, truth);
  const auto* chat = find_class(s.model, "ChatUser");
  ASSERT_NE(chat, nullptr);
  // The client-made session id: a per-user variable of the same shape, in every place it went.
  ASSERT_EQ(chat->variables.count("session_id"), 1u);
  EXPECT_EQ(chat->variables.at("session_id").kind, Generator::Kind::prefix_n);
  EXPECT_EQ(chat->variables.at("session_id").prefix, "load-test-");
  ASSERT_EQ(chat->on_start.size(), 1u);
  EXPECT_EQ(chat->on_start[0].path, "/api/sessions");
  EXPECT_EQ(*chat->on_start[0].body, R"({"session_id":"{session_id}","title":"Load Test Session"})");
  EXPECT_EQ(chat->on_stop[0].path, "/api/sessions/{session_id}");
  EXPECT_EQ(chat->on_stop[0].name, "/api/sessions/[id]");
  for (const auto& t : chat->tasks) {
    const auto& step = t.steps.at(0);
    if (t.name == "POST /api/chat") {
      EXPECT_EQ(*step.body, R"({"session_id":"{session_id}","content":"{message}","stream":false})");
      EXPECT_EQ(step.check.json_any, (std::vector<std::string>{"content", "error"}));
      EXPECT_EQ(step.check.status, std::vector<int>{200});
      EXPECT_EQ(step.check.named_failures.at(429), "Rate limited");
    }
    if (t.name == "GET /api/sessions/[id]/history") EXPECT_EQ(step.path, "/api/sessions/{session_id}/history");
    if (t.name == "GET /api/sessions/search") {
      ASSERT_EQ(step.query.size(), 1u);
      EXPECT_EQ(step.query[0], (std::pair<std::string, std::string>{"q", "hello"}));
    }
  }
  // The message set: the seed's ten, and nothing else was recorded.
  EXPECT_EQ(s.model.messages.size(), 10u);
  EXPECT_EQ(s.summary.classes.size(), 3u);
  EXPECT_TRUE(s.summary.notes.empty());
}

TEST(Synthesize, ServerMadeIdsBecomeExtractionsAndSecretsComeFromTheEnvironment) {
  const auto truth = engine_truth();
  auto s = synthesize(traffic(truth, 150, 30, 2), {});
  expect_matches_truth(s, truth);
  const auto* chat = find_class(s.model, "ChatUser");
  ASSERT_NE(chat, nullptr);
  EXPECT_TRUE(chat->variables.empty());  // nothing made up by the client
  ASSERT_EQ(chat->on_start.size(), 1u);
  const auto& create = chat->on_start[0];
  ASSERT_EQ(create.extract.size(), 1u);
  EXPECT_EQ(create.extract[0].var, "session_id");
  EXPECT_EQ(create.extract[0].pointer, "/id");
  EXPECT_EQ(chat->on_stop.at(0).path, "/api/engine/chat/sessions/{session_id}");
  EXPECT_EQ(chat->on_stop.at(0).check.status, std::vector<int>{204});
  bool saw_messages = false;
  for (const auto& t : chat->tasks)
    if (t.name == "POST /api/engine/chat/sessions/[id]/messages") {
      saw_messages = true;
      const auto& step = t.steps.at(0);
      EXPECT_EQ(step.path, "/api/engine/chat/sessions/{session_id}/messages");
      EXPECT_EQ(*step.body, R"({"content":"{message}"})");
      EXPECT_EQ(step.check.json_any, (std::vector<std::string>{"content", "error"}));
      // The API key was redacted in the recording: the replay takes it from the environment.
      ASSERT_EQ(step.headers.size(), 1u);
      EXPECT_EQ(step.headers[0], (std::pair<std::string, std::string>{"X-API-Key", "{env.X_API_KEY}"}));
    }
  EXPECT_TRUE(saw_messages);
  // The recorded message joins the profile's ten.
  EXPECT_EQ(s.model.messages.size(), 11u);
  EXPECT_EQ(s.model.messages.back(), "What is the weather?");
  // Visitors no profile class matches form a class of their own, and the summary says so.
  ASSERT_EQ(s.summary.classes.size(), 2u);
  EXPECT_FALSE(s.summary.classes[1].from_profile);
  ASSERT_EQ(s.summary.notes.size(), 1u);
  EXPECT_NE(s.summary.notes[0].find("ReportsUser"), std::string::npos);
  const auto text = to_json(s.model);
  EXPECT_EQ(text.find("redacted"), std::string::npos) << "a redacted secret reached the model";
  EXPECT_NE(format_summary(s.summary).find("X_API_KEY"), std::string::npos);
}

TEST(Synthesize, SameInputSameModel) {
  const auto rows = traffic(seed_truth(), 40, 10, 3);
  auto shuffled = rows;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(9));
  EXPECT_EQ(to_json(synthesize(rows, {}).model), to_json(synthesize(shuffled, {}).model));
}

TEST(Synthesize, SessionsSplitOnTheGap) {
  const auto rows = traffic(seed_truth(), 20, 5, 4);
  auto one_gap = synthesize(rows, {});
  SynthesisOptions longer;
  longer.session_gap = std::chrono::hours(2);  // the hour between a visitor's sessions is no longer a gap
  auto joined = synthesize(rows, longer);
  EXPECT_EQ(one_gap.summary.visitors, joined.summary.visitors);
  EXPECT_GT(one_gap.summary.sessions, joined.summary.sessions);
  EXPECT_EQ(joined.summary.sessions, joined.summary.visitors);
}

TEST(Synthesize, ManyDistinctWordsUnderOneNodeBecomeAVariable) {
  std::vector<store::ExchangeRow> rows;
  for (int i = 0; i < 120; ++i) {
    store::ExchangeRow r;
    r.visitor = fmt::format("v{}", i);
    r.started_us = i * 1000;
    r.method = "GET";
    r.path = "/users/" + std::string(1, static_cast<char>('a' + i % 26)) + std::string(1, static_cast<char>('a' + i / 26)) + "/profile";
    r.status = 200;
    rows.push_back(r);
  }
  auto s = synthesize(rows, {});
  ASSERT_EQ(s.model.classes.size(), 1u);
  EXPECT_EQ(s.model.classes[0].name, "UsersUser");
  ASSERT_EQ(s.model.classes[0].tasks.size(), 1u);
  EXPECT_EQ(s.model.classes[0].tasks[0].steps[0].name, "/users/[id]/profile");
}

TEST(Synthesize, BadInputGivesAClearMessageNeverACrash) {
  auto message = [](std::vector<store::ExchangeRow> rows) {
    try {
      synthesize(std::move(rows), {});
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message({}).find("no exchanges"), std::string::npos);
  store::ExchangeRow failed;
  failed.visitor = "v";
  failed.method = "GET";
  failed.path = "/api/health";
  failed.error = "cannot connect";
  EXPECT_NE(message({failed}).find("none of the 1 exchanges has a response"), std::string::npos);

  // A single request: one class, one task, think time assumed.
  store::ExchangeRow one = failed;
  one.status = 200;
  one.error.reset();
  auto s = synthesize({one}, {});
  ASSERT_EQ(s.model.classes.size(), 1u);
  EXPECT_EQ(s.model.classes[0].name, "APIUser");
  EXPECT_EQ(s.model.classes[0].think.kind, ThinkTime::Kind::constant);

  // Binary bodies, headers that are not JSON, negative times, braces, a path of slashes: no crash,
  // and a model the replayer takes.
  std::vector<store::ExchangeRow> odd;
  for (int i = 0; i < 5; ++i) {
    store::ExchangeRow r = one;
    r.started_us = i * 1'000'000;
    r.total_us = -5;
    r.method = "POST";
    r.path = i % 2 ? "//" : "/upload/{weird}";
    r.query = "a=%ZZ&b&=c&d=%7B";
    r.request_headers = "not json";
    r.response_headers = "[[1,2]]";
    r.request_body = std::string("\x00\xff{\"x\":", 7);
    r.response_body = std::string("\x89PNG\x00", 5);
    odd.push_back(r);
  }
  auto o = synthesize(odd, {});
  EXPECT_NO_THROW(parse_model(to_json(o.model), "odd"));
  EXPECT_GE(o.summary.binary_bodies, 1);
  EXPECT_NE(format_summary(o.summary).find("binary request body"), std::string::npos);
}

}  // namespace
}  // namespace aria::model

namespace aria::model {
namespace {

TEST(SynthesizeVerbatim, EachSessionComesBackAsRecorded) {
  const auto rows = traffic(engine_truth(), 12, 6, 5);
  SynthesisOptions o;
  o.verbatim = true;
  auto s = synthesize(rows, o);
  EXPECT_TRUE(s.model.verbatim);
  EXPECT_TRUE(s.summary.verbatim);
  ASSERT_EQ(static_cast<std::int64_t>(s.model.classes.size()), s.summary.sessions);
  std::size_t steps = 0;
  for (const auto& c : s.model.classes) {
    ASSERT_EQ(c.tasks.size(), 1u);
    steps += c.tasks[0].steps.size();
  }
  EXPECT_EQ(steps, rows.size());  // every request, none merged
  // Sessions in the order they started, from 0 s.
  EXPECT_EQ(s.model.classes.front().start_s, 0);
  for (std::size_t i = 1; i < s.model.classes.size(); ++i)
    EXPECT_LE(s.model.classes[i - 1].start_s, s.model.classes[i].start_s);
  // A chat session: the server's id extracted where it came from and used after; the recorded
  // text and statuses kept; the gaps as recorded (4 ms per exchange in this traffic, plus think).
  const UserClass* chat = nullptr;
  for (const auto& c : s.model.classes)
    if (c.tasks[0].steps[0].path == "/api/engine/chat/sessions") chat = &c;
  ASSERT_NE(chat, nullptr);
  const auto& st = chat->tasks[0].steps;
  ASSERT_EQ(st[0].extract.size(), 1u);
  EXPECT_EQ(st[0].extract[0].pointer, "/id");
  EXPECT_EQ(st[0].delay_s, 0);
  EXPECT_EQ(st[0].check.status, std::vector<int>{201});
  EXPECT_EQ(st.back().method, "DELETE");
  EXPECT_EQ(st.back().path, "/api/engine/chat/sessions/{" + st[0].extract[0].var + "}");
  EXPECT_EQ(st.back().check.status, std::vector<int>{204});
  for (std::size_t i = 1; i < st.size(); ++i) {
    EXPECT_GE(st[i].delay_s, 0.0);
    EXPECT_LE(st[i].delay_s, 0.6 + 1e-9);  // the chat truth thinks 0.2-0.6 s
    if (st[i].method == "POST") EXPECT_EQ(*st[i].body, R"({"content":"What is the weather?"})");
  }
  EXPECT_EQ(to_json(s.model).find("redacted"), std::string::npos);
  EXPECT_NE(format_summary(s.summary).find("verbatim: "), std::string::npos);
}

TEST(SynthesizeVerbatim, ClientMadeIdsAreGeneratedPerUser) {
  SynthesisOptions o;
  o.verbatim = true;
  auto s = synthesize(traffic(seed_truth(), 6, 4, 6), o);
  for (const auto& c : s.model.classes) {
    if (c.tasks[0].steps[0].path != "/api/sessions") continue;
    ASSERT_EQ(c.variables.count("session_id"), 1u) << c.name;
    EXPECT_EQ(c.variables.at("session_id").kind, Generator::Kind::prefix_n);
    EXPECT_EQ(c.tasks[0].steps.back().path, "/api/sessions/{session_id}");
  }
}

}  // namespace
}  // namespace aria::model
