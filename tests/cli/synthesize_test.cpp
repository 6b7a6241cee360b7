// `aria-harness synthesize` on a real recording: builtin:aria driven through the recorder
// against the stand-in comes back as a model that matches it, and that model replays cleanly.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "model/builtin.hpp"
#include "net/client.hpp"
#include "store/database.hpp"
#include "model/json.hpp"
#include "tests/cli/child.hpp"

namespace {

using namespace std::chrono_literals;
using aria::test::Child;
using aria::test::printed_url;
using aria::test::run;

struct SynthesizeFixture : ::testing::Test {
  std::filesystem::path dir;
  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("aria-synth-" + std::to_string(getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string path(const char* name) const { return (dir / name).string(); }
};

const aria::model::UserClass* find_class(const aria::model::Model& m, std::string_view name) {
  for (const auto& c : m.classes)
    if (c.name == name) return &c;
  return nullptr;
}

TEST_F(SynthesizeFixture, BuiltinAriaThroughTheRecorderComesBackAndReplaysCleanly) {
  Child mock({"mock", "--listen", "127.0.0.1:0", "--llm-latency", "5ms", "--llm-jitter", "2ms"});
  ASSERT_TRUE(mock.wait_for("listening on http://127.0.0.1:")) << mock.text;
  const auto stand_in = printed_url(mock.text);
  Child recorder({"record", "--db", path("rec.db"), "--upstream", stand_in, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(recorder.wait_for("listening on http://127.0.0.1:")) << recorder.text;
  // Enough users for the sampling error of the task mix to stay well inside the tolerances.
  std::string out;
  run({"replay", "--db", path("drive.db"), "--host", printed_url(recorder.text), "--users", "500", "--spawn-rate",
       "500", "--run-time", "35s", "--quiet", "--threshold", "fail_rate<100%"},
      &out);
  ASSERT_EQ(kill(recorder.pid, SIGINT), 0);
  ASSERT_EQ(recorder.wait_exit(), 0) << recorder.text;

  ASSERT_EQ(run({"synthesize", "--db", path("rec.db"), "-o", path("model.json")}, &out), 0) << out;
  EXPECT_NE(out.find("ChatUser  weight 0.500"), std::string::npos) << out;
  EXPECT_NE(out.find("replay it with"), std::string::npos) << out;
  std::ifstream in(path("model.json"));
  std::stringstream text;
  text << in.rdbuf();
  const auto model = aria::model::parse_model(text.str(), "model.json");
  const auto& truth = aria::model::builtin_aria();

  double truth_total = 0;
  for (const auto& c : truth.classes) truth_total += c.weight;
  ASSERT_EQ(model.classes.size(), truth.classes.size()) << out;
  for (const auto& tc : truth.classes) {
    SCOPED_TRACE(tc.name);
    const auto* c = find_class(model, tc.name);
    ASSERT_NE(c, nullptr) << out;
    EXPECT_NEAR(c->weight, tc.weight / truth_total, 0.03);
    double tt = 0, mt = 0;
    for (const auto& t : tc.tasks) tt += t.weight;
    for (const auto& t : c->tasks) mt += t.weight;
    ASSERT_EQ(c->tasks.size(), tc.tasks.size()) << out;
    for (const auto& t : tc.tasks) {
      // The truth names its tasks; the model names them by method and stats name.
      const auto key = t.steps[0].method + " " + t.steps[0].stats_name();
      auto it = std::find_if(c->tasks.begin(), c->tasks.end(), [&](const auto& m) { return m.name == key; });
      ASSERT_NE(it, c->tasks.end()) << key << "\n" << out;
      EXPECT_NEAR(it->weight / mt, t.weight / tt, 0.05) << key;
    }
    EXPECT_EQ(c->on_start.size(), tc.on_start.size());
    EXPECT_EQ(c->on_stop.size(), tc.on_stop.size());
    // Think time: the truth's uniform bounds and middle; the recorded gaps hold the client's
    // own turnaround too, which the 50 ms allows for.
    const auto& q = c->think.quantiles_s;
    ASSERT_FALSE(q.empty());
    const double lo = tc.think.min_s, hi = tc.think.max_s, mid = (lo + hi) / 2;
    EXPECT_NEAR(q.front(), lo, 0.1 * lo + 0.05);
    EXPECT_NEAR(q[q.size() / 2], mid, 0.1 * mid + 0.05);
    EXPECT_NEAR(q.back(), hi, 0.1 * hi + 0.05);
  }

  // The synthesized model, stored as model 1, replays against the stand-in with no failure.
  ASSERT_EQ(run({"replay", "--db", path("rec.db"), "--model", "1", "--host", stand_in, "--users", "30", "--spawn-rate",
                 "30", "--run-time", "6s", "--threshold", "fail_rate<0.0001%"},
                &out),
            0)
      << out;
  EXPECT_NE(out.find("Failures: 0"), std::string::npos) << out;
}

TEST_F(SynthesizeFixture, TheEngineDialectsServerMadeIdsAreExtracted) {
  Child mock({"mock", "--listen", "127.0.0.1:0", "--threads", "1", "--llm-latency", "5ms", "--api-key", "ENGINE-KEY"});
  ASSERT_TRUE(mock.wait_for("listening on http://127.0.0.1:")) << mock.text;
  const auto stand_in = printed_url(mock.text);
  // Every client holds the same key: visitors are told apart by a header of their own.
  Child recorder({"record", "--db", path("rec.db"), "--upstream", stand_in, "--listen", "127.0.0.1:0", "--visitor-key",
                  "header:X-User"});
  ASSERT_TRUE(recorder.wait_for("listening on http://127.0.0.1:")) << recorder.text;
  const auto url = printed_url(recorder.text);
  const auto port = static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  // Four visitors (each its own connection), each: create, three messages a second apart (Aria
  // refuses the same text twice within 5 s), read them, delete.
  std::vector<std::unique_ptr<aria::net::HttpClient>> clients;
  std::vector<aria::net::Headers> keys;
  std::vector<std::string> ids;
  for (int v = 0; v < 4; ++v) {
    clients.push_back(std::make_unique<aria::net::HttpClient>("127.0.0.1", port));
    keys.push_back({{"X-API-Key", "ENGINE-KEY"}, {"X-User", "user-" + std::to_string(v)}});
    auto created = clients[v]->post_json("/api/engine/chat/sessions", R"({"title":"t"})", keys[v]);
    ASSERT_EQ(created.status, 201) << created.body;
    ids.emplace_back(boost::json::parse(created.body).at("id").as_string());
  }
  for (int m = 0; m < 3; ++m) {
    std::this_thread::sleep_for(1s);
    for (std::size_t v = 0; v < clients.size(); ++v) {
      const auto body = R"({"content":"hello number )" + std::to_string(m) + "\"}";
      EXPECT_EQ(clients[v]->post_json("/api/engine/chat/sessions/" + ids[v] + "/messages", body, keys[v]).status, 200);
    }
  }
  for (std::size_t v = 0; v < clients.size(); ++v) {
    EXPECT_EQ(clients[v]->get("/api/engine/chat/sessions/" + ids[v] + "/messages", keys[v]).status, 200);
    EXPECT_LT(clients[v]->request("DELETE", "/api/engine/chat/sessions/" + ids[v], {}, keys[v]).status, 300);
  }
  ASSERT_EQ(kill(recorder.pid, SIGINT), 0);
  ASSERT_EQ(recorder.wait_exit(), 0) << recorder.text;
  std::string out;
  ASSERT_EQ(run({"synthesize", "--db", path("rec.db"), "-o", path("model.json")}, &out), 0) << out;
  EXPECT_EQ(out.find("ENGINE-KEY"), std::string::npos);
  std::ifstream in(path("model.json"));
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str().find("ENGINE-KEY"), std::string::npos) << "a secret reached the model";
  const auto model = aria::model::parse_model(text.str(), "model.json");
  ASSERT_EQ(model.classes.size(), 1u) << out;
  const auto& chat = model.classes[0];
  EXPECT_EQ(chat.name, "ChatUser");
  ASSERT_EQ(chat.on_start.size(), 1u) << out;
  ASSERT_EQ(chat.on_start[0].extract.size(), 1u) << out;
  EXPECT_EQ(chat.on_start[0].extract[0].pointer, "/id");
  const auto var = chat.on_start[0].extract[0].var;
  ASSERT_EQ(chat.on_stop.size(), 1u) << out;
  EXPECT_EQ(chat.on_stop[0].path, "/api/engine/chat/sessions/{" + var + "}");
  bool messages = false;
  for (const auto& t : chat.tasks)
    if (t.steps[0].method == "POST" && t.steps[0].path == "/api/engine/chat/sessions/{" + var + "}/messages") {
      messages = true;
      EXPECT_EQ(*t.steps[0].body, R"({"content":"{message}"})");
    }
  EXPECT_TRUE(messages) << out;
  // The recorded texts join the seed's ten.
  EXPECT_EQ(model.messages.size(), 13u);
  // The key comes from the environment at replay time; with it, the model replays cleanly.
  std::ofstream(path("secrets.env")) << "X_API_KEY=ENGINE-KEY\n";
  EXPECT_EQ(run({"replay", "--db", path("rec.db"), "--model", "1", "--host", stand_in, "--users", "3", "--run-time",
                 "3s", "--env-file", path("secrets.env"), "--threshold", "fail_rate<0.0001%", "--quiet"},
                &out),
            0)
      << out;
}

// "Total requests: N" of a replay's summary.
long total_requests(const std::string& out) {
  auto at = out.find("Total requests: ");
  return at == std::string::npos ? -1 : std::stol(out.substr(at + 16));
}

TEST_F(SynthesizeFixture, AVerbatimModelReplaysTheRecordingAsItHappened) {
  Child mock({"mock", "--listen", "127.0.0.1:0", "--threads", "1", "--llm-latency", "5ms", "--llm-jitter", "0ms"});
  ASSERT_TRUE(mock.wait_for("listening on http://127.0.0.1:")) << mock.text;
  const auto stand_in = printed_url(mock.text);
  Child recorder({"record", "--db", path("rec.db"), "--upstream", stand_in, "--listen", "127.0.0.1:0"});
  ASSERT_TRUE(recorder.wait_for("listening on http://127.0.0.1:")) << recorder.text;
  std::string out;
  run({"replay", "--db", path("drive.db"), "--host", printed_url(recorder.text), "--users", "12", "--spawn-rate", "12",
       "--run-time", "6s", "--quiet", "--threshold", "fail_rate<100%"},
      &out);
  ASSERT_EQ(kill(recorder.pid, SIGINT), 0);
  ASSERT_EQ(recorder.wait_exit(), 0) << recorder.text;
  const auto stored = recorder.text.find(" exchanges stored");
  ASSERT_NE(stored, std::string::npos) << recorder.text;
  const long recorded = std::stol(recorder.text.substr(recorder.text.rfind(' ', stored - 1) + 1));
  ASSERT_GT(recorded, 12);

  ASSERT_EQ(run({"synthesize", "--db", path("rec.db"), "--verbatim", "-o", path("verbatim.json")}, &out), 0) << out;
  EXPECT_NE(out.find("verbatim: 12 session(s)"), std::string::npos) << out;
  // Four times faster: every recorded request once, none failing, in about a quarter of the time.
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(run({"replay", "--db", path("rec.db"), "--model", path("verbatim.json"), "--host", stand_in, "--speed", "4",
                 "--threshold", "fail_rate<0.0001%"},
                &out),
            0)
      << out;
  const auto took = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(total_requests(out), recorded) << out;
  EXPECT_NE(out.find("Recorded sessions: 12; users started 12, sessions played to the end 12"), std::string::npos)
      << out;
  EXPECT_LT(took, 6s) << "the recording took 6 s; four times faster should take about 1.5 s";
  // Twice the users: each session twice, the clones with fresh ids (a reused session id would
  // fail the second POST /api/sessions or DELETE).
  ASSERT_EQ(run({"replay", "--db", path("rec.db"), "--model", path("verbatim.json"), "--host", stand_in, "--speed", "4",
                 "--users", "24", "--threshold", "fail_rate<0.0001%"},
                &out),
            0)
      << out;
  EXPECT_EQ(total_requests(out), 2 * recorded) << out;
  // Not for a model of weighted classes, nor in arrival mode.
  EXPECT_EQ(run({"replay", "--db", path("rec.db"), "--model", "builtin:aria", "--host", stand_in, "--mode", "verbatim"},
                &out),
            2);
  EXPECT_NE(out.find("needs a verbatim model"), std::string::npos) << out;
  EXPECT_EQ(run({"replay", "--db", path("rec.db"), "--model", path("verbatim.json"), "--host", stand_in, "--mode",
                 "arrival", "--rate", "5"},
                &out),
            2);
}

TEST_F(SynthesizeFixture, BadInputExitsTwoAndWritesNothing) {
  std::string out;
  EXPECT_EQ(run({"synthesize", "--db", path("missing.db"), "-o", path("m.json")}, &out), 2);
  EXPECT_NE(out.find("no such file"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(path("missing.db")));
  // An empty recording: the recorder ran, and nobody came.
  {
    Child recorder({"record", "--db", path("empty.db"), "--upstream", "http://127.0.0.1:9", "--listen", "127.0.0.1:0"});
    ASSERT_TRUE(recorder.wait_for("listening on http://127.0.0.1:")) << recorder.text;
    ASSERT_EQ(kill(recorder.pid, SIGINT), 0);
    ASSERT_EQ(recorder.wait_exit(), 0) << recorder.text;
  }
  EXPECT_EQ(run({"synthesize", "--db", path("empty.db"), "-o", path("m.json")}, &out), 2);
  EXPECT_NE(out.find("holds no exchanges"), std::string::npos) << out;
  // A recording that does not exist, a bad profile, a bad gap.
  ASSERT_EQ(run({"import-har", std::string(ARIA_HAR_FIXTURE), "--db", path("empty.db"), "--quiet"}, &out), 0) << out;
  EXPECT_EQ(run({"synthesize", "--db", path("empty.db"), "--recording", "7"}, &out), 2);
  EXPECT_NE(out.find("has no recording 7"), std::string::npos) << out;
  std::ofstream(path("profile.json")) << R"({"format":"aria-harness/profile","version":1,"classes":[{"name":"A"}]})";
  EXPECT_EQ(run({"synthesize", "--db", path("empty.db"), "--profile", path("profile.json")}, &out), 2);
  EXPECT_NE(out.find("classes[0]: \"routes\" is required"), std::string::npos) << out;
  EXPECT_EQ(run({"synthesize", "--db", path("empty.db"), "--session-gap", "soon"}, &out), 2);
  // An output folder that does not exist: refused before the model is stored.
  EXPECT_EQ(run({"synthesize", "--db", path("empty.db"), "-o", path("no-such-folder/m.json")}, &out), 2);
  EXPECT_NE(out.find("the folder"), std::string::npos) << out;
  {
    aria::store::Database db(path("empty.db"), aria::store::Database::Options{.create = false});
    auto q = db.prepare("SELECT COUNT(*) FROM models");
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.int64(0), 0);
  }
  EXPECT_FALSE(std::filesystem::exists(path("m.json")));
  // The browser's HAR: a model comes out of it.
  EXPECT_EQ(run({"synthesize", "--db", path("empty.db"), "-o", path("har-model.json")}, &out), 0) << out;
  // One session is too few to tell a habit from chance: only the POST that made the session opens it.
  EXPECT_NE(out.find("on_start     POST /api/sessions"), std::string::npos) << out;
  EXPECT_NE(out.find("from the environment at replay time: X_API_KEY"), std::string::npos) << out;
  EXPECT_TRUE(std::filesystem::exists(path("har-model.json")));
}

}  // namespace
