// The aria-harness binary as a user runs it: exit codes, messages, signals.
#include <signal.h>
#include <unistd.h>

#include "store/database.hpp"
#include "tests/cli/child.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;
using aria::test::Child;
using aria::test::run;

TEST(Cli, HelpAndVersionExitZero) {
  std::string out;
  EXPECT_EQ(run({"--help"}, &out), 0);
  EXPECT_NE(out.find("mock"), std::string::npos);
  EXPECT_NE(out.find("Exit codes"), std::string::npos);
  EXPECT_EQ(run({"mock", "--help"}, &out), 0);
  EXPECT_NE(out.find("--rate-limit"), std::string::npos);
  EXPECT_EQ(run({"--version"}, &out), 0);
  EXPECT_NE(out.find("aria-harness"), std::string::npos);
}

TEST(Cli, BadUsageExitsTwoWithAMessage) {
  std::string out;
  EXPECT_EQ(run({}, &out), 2);
  EXPECT_EQ(run({"frobnicate"}, &out), 2);
  EXPECT_EQ(run({"mock", "--no-such-flag"}, &out), 2);
  EXPECT_EQ(run({"mock", "--listen", "nowhere"}, &out), 2);
  EXPECT_NE(out.find("--listen"), std::string::npos) << out;
  EXPECT_EQ(run({"mock", "--llm-latency", "soon"}, &out), 2);
  EXPECT_NE(out.find("soon"), std::string::npos) << out;
  EXPECT_EQ(run({"mock", "--error-rate", "2"}, &out), 2);
  EXPECT_EQ(run({"mock", "--rate-limit", "fifty"}, &out), 2);
  EXPECT_EQ(run({"mock", "--llm-profile", "slow"}, &out), 2);
}

TEST(Cli, MockServesUntilSigtermThenSummarizesAndExitsZero) {
  Child mock({"mock", "--listen", "127.0.0.1:0", "--threads", "1"});
  ASSERT_TRUE(mock.wait_for("listening on http://127.0.0.1:")) << mock.text;
  ASSERT_EQ(kill(mock.pid, SIGTERM), 0);
  EXPECT_EQ(mock.wait_exit(), 0) << mock.text;
  EXPECT_NE(mock.text.find("stopped on SIGTERM"), std::string::npos) << mock.text;
}

TEST(Cli, MockStopsOnSigintToo) {
  Child mock({"mock", "--listen", "127.0.0.1:0", "--threads", "1"});
  ASSERT_TRUE(mock.wait_for("listening on")) << mock.text;
  ASSERT_EQ(kill(mock.pid, SIGINT), 0);
  EXPECT_EQ(mock.wait_exit(), 0) << mock.text;
  EXPECT_NE(mock.text.find("stopped on SIGINT"), std::string::npos) << mock.text;
}

TEST(Cli, PortInUseExitsThree) {
  Child first({"mock", "--listen", "127.0.0.1:0", "--threads", "1"});
  ASSERT_TRUE(first.wait_for("listening on http://127.0.0.1:")) << first.text;
  auto at = first.text.find("127.0.0.1:");
  std::string address = first.text.substr(at, first.text.find_first_of(" \n", at) - at);
  std::string out;
  EXPECT_EQ(run({"mock", "--listen", address}, &out), 3);
  EXPECT_NE(out.find("cannot listen on"), std::string::npos) << out;
}

TEST(Cli, DemoWalksTheWholeLoop) {
  std::string out;
  auto dir = std::filesystem::temp_directory_path() / ("aria-demo-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  EXPECT_EQ(run({"demo", "--run-time", "10s", "--out", dir.string()}, &out), 0) << out;
  for (auto step : {"[1/6]", "[2/6]", "[3/6]", "[4/6]", "[5/6]", "[6/6]", "The truth the traffic came from",
                    "ChatUser  weight", "users 50 |", "Verdict: REGRESSION", "sqlite3 "})
    EXPECT_NE(out.find(step), std::string::npos) << step << "\n" << out;
  for (auto file : {"aria-harness.db", "model.json", "report.html", "compare.html", "trend.html"})
    EXPECT_TRUE(std::filesystem::exists(dir / file)) << file;
  // The store: the recording, the synthesized model, the two runs (the second slower).
  aria::store::Database db((dir / "aria-harness.db").string(), aria::store::Database::Options{.create = false});
  auto count = [&](const char* sql) {
    auto q = db.prepare(sql);
    q.step();
    return q.int64(0);
  };
  EXPECT_EQ(count("SELECT COUNT(*) FROM recordings WHERE status = 'ended'"), 1);
  EXPECT_GT(count("SELECT COUNT(*) FROM exchanges"), 30);
  EXPECT_EQ(count("SELECT COUNT(*) FROM models WHERE source = 'synthesized'"), 1);
  EXPECT_EQ(count("SELECT COUNT(*) FROM runs WHERE label = 'demo' AND status = 'completed'"), 2);
  EXPECT_EQ(count("SELECT COUNT(*) FROM run_stats s JOIN runs r ON r.id = s.run_id WHERE s.name = 'Aggregated' AND "
                  "s.failures = 0"),
            2);
  EXPECT_GT(count("SELECT MAX(p95_us) - MIN(p95_us) FROM run_stats WHERE name = 'Aggregated'"), 200'000)
      << "the second run's p95 should carry the slower LLM";
  std::filesystem::remove_all(dir);
}

TEST(Cli, DemoStopsOnCtrlC) {
  auto dir = std::filesystem::temp_directory_path() / ("aria-demo-int-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  Child demo({"demo", "--run-time", "60s", "--out", dir.string()});
  ASSERT_TRUE(demo.wait_for("[2/6]", 15s)) << demo.text;
  std::this_thread::sleep_for(1s);
  ASSERT_EQ(kill(demo.pid, SIGINT), 0);
  EXPECT_EQ(demo.wait_exit(20s), 130) << demo.text;
  EXPECT_EQ(demo.text.find("[3/6]"), std::string::npos) << demo.text;
  // What was recorded so far is stored and ended.
  aria::store::Database db((dir / "aria-harness.db").string(), aria::store::Database::Options{.create = false});
  auto q = db.prepare("SELECT status FROM recordings");
  ASSERT_TRUE(q.step());
  EXPECT_EQ(q.text(0), "ended");
  std::filesystem::remove_all(dir);
}

// A stand-in on a free port for the replay tests, and a scratch folder.
struct ReplayFixture : ::testing::Test {
  std::unique_ptr<Child> mock;
  std::string url;
  std::filesystem::path dir;

  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("aria-cli-" + std::to_string(getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    mock = std::make_unique<Child>(
        std::vector<std::string>{"mock", "--listen", "127.0.0.1:0", "--threads", "1", "--llm-latency", "10ms"});
    ASSERT_TRUE(mock->wait_for("listening on http://127.0.0.1:")) << mock->text;
    auto at = mock->text.find("http://127.0.0.1:");
    url = mock->text.substr(at, mock->text.find_first_of(" \n", at) - at);
  }
  void TearDown() override {
    mock.reset();
    std::filesystem::remove_all(dir);
  }
  std::string db() const { return (dir / "runs.db").string(); }
  boost::json::array runs() {
    std::string out;
    EXPECT_EQ(run({"runs", "--db", db(), "--json"}, &out), 0) << out;
    return boost::json::parse(out).as_array();
  }
};

std::string first_line(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

TEST_F(ReplayFixture, ThresholdsDecideTheExitCodeAndEveryRunIsStored) {
  std::string out;
  std::vector<std::string> base{"replay", "--db", db(), "--host", url, "--users", "5", "--spawn-rate", "50",
                                "--run-time", "2s", "--threads", "1", "--progress", "1s"};
  auto passing = base;
  for (auto t : {"p95<10s", "fail_rate<1%"}) {
    passing.push_back("--threshold");
    passing.push_back(t);
  }
  EXPECT_EQ(run(passing, &out), 0) << out;
  EXPECT_NE(out.find("LOAD TEST RESULTS"), std::string::npos) << out;
  EXPECT_NE(out.find("Total requests:"), std::string::npos);
  EXPECT_NE(out.find("users 5 |"), std::string::npos) << "no live line: " << out;
  auto failing = base;
  failing.push_back("--threshold");
  failing.push_back("p95<1us");
  EXPECT_EQ(run(failing, &out), 1) << out;
  EXPECT_NE(out.find("p95<1us"), std::string::npos);
  EXPECT_NE(out.find("FAIL"), std::string::npos);
  auto list = runs();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].at("verdict"), "pass");
  EXPECT_EQ(list[1].at("verdict"), "fail");
  for (const auto& r : list) {
    EXPECT_EQ(r.at("status"), "completed");
    EXPECT_GT(r.at("requests").as_int64(), 0);
    EXPECT_EQ(r.at("failures").as_int64(), 0);
  }
  EXPECT_EQ(run({"runs", "--db", db()}, &out), 0);
  EXPECT_NE(out.find("completed"), std::string::npos) << out;
}

TEST_F(ReplayFixture, HtmlReportsOfARunFromReplayAndFromReport) {
  std::string out;
  const auto html = (dir / "run.html").string();
  ASSERT_EQ(run({"replay", "--db", db(), "--host", url, "--users", "10", "--spawn-rate", "50", "--run-time", "3s",
                 "--html", html, "--threshold", "fail_rate<1%", "--quiet", "--label", "<b>nightly</b>"},
                &out),
            0)
      << out;
  std::ifstream in(html);
  std::stringstream text;
  text << in.rdbuf();
  const auto page = text.str();
  for (auto want : {"id=\"summary\"", "id=\"endpoints\"", "id=\"charts\"", "id=\"mix\"", "ChatUser",
                    "send_chat_message", "&lt;b&gt;nightly&lt;/b&gt;", "fail_rate&lt;1%"})
    EXPECT_NE(page.find(want), std::string::npos) << want;
  auto list = runs();
  ASSERT_EQ(list.size(), 1u);
  const auto requests = list[0].at("requests").as_int64();
  EXPECT_NE(page.find(fmt::format("data-figure=\"requests\">{}<", requests)), std::string::npos) << requests;
  // The same page from `report`.
  const auto again = (dir / "again.html").string();
  ASSERT_EQ(run({"report", "--db", db(), "--run", "1", "-o", again}, &out), 0) << out;
  std::ifstream in2(again);
  std::stringstream text2;
  text2 << in2.rdbuf();
  EXPECT_EQ(text2.str(), page);
  // Bad input: exit 2, nothing written.
  EXPECT_EQ(run({"report", "--db", db(), "--run", "7", "-o", (dir / "no.html").string()}, &out), 2);
  EXPECT_NE(out.find("no such run"), std::string::npos) << out;
  EXPECT_EQ(run({"report", "--db", (dir / "none.db").string(), "--run", "1", "-o", (dir / "no.html").string()}, &out), 2);
  EXPECT_EQ(run({"report", "--db", db(), "--run", "1", "-o", again, "--templates", (dir / "nowhere").string()}, &out), 2);
  EXPECT_EQ(run({"report", "--db", db(), "--run", "1", "-o", (dir / "nowhere" / "r.html").string()}, &out), 2);
  EXPECT_NE(out.find("the folder"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists(dir / "no.html"));
  EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
}

TEST_F(ReplayFixture, CsvFilesCarryLocustsHeaders) {
  std::string out;
  auto prefix = (dir / "res").string();
  EXPECT_EQ(run({"replay", "--db", db(), "--host", url, "--users", "3", "--spawn-rate", "30", "--run-time", "2s",
                 "--csv", prefix, "--threshold", "fail_rate<1%", "--quiet"},
                &out),
            0)
      << out;
  const std::filesystem::path fixtures = ARIA_LOCUST_FIXTURES;
  for (auto suffix : {"_stats.csv", "_stats_history.csv", "_failures.csv"}) {
    EXPECT_EQ(first_line(prefix + suffix), first_line(fixtures / (std::string("locust") + suffix))) << suffix;
  }
}

TEST_F(ReplayFixture, BadInputExitsTwoAndWritesNothing) {
  std::string out;
  auto model = (dir / "bad.json").string();
  std::ofstream(model) << R"({"format":"aria-harness/model","version":1,"name":"x","classes":[{"name":"A",
    "weight":-1,"think_time":{"kind":"constant","value":1},"tasks":[{"name":"t","steps":[{"path":"/"}]}]}]})";
  EXPECT_EQ(run({"replay", "--db", db(), "--host", url, "--model", model}, &out), 2);
  EXPECT_NE(out.find("classes[0].weight"), std::string::npos) << out;
  EXPECT_EQ(run({"replay", "--db", db(), "--host", url, "--model", "builtin:nope"}, &out), 2);
  EXPECT_EQ(run({"replay", "--db", db(), "--host", url, "--threshold", "p95 under 5"}, &out), 2);
  EXPECT_NE(out.find("p95 under 5"), std::string::npos) << out;
  EXPECT_EQ(run({"replay", "--db", db(), "--host", "https://aria.example"}, &out), 2);
  EXPECT_EQ(run({"replay", "--db", db(), "--host", "http://no-such-host.invalid:5000"}, &out), 2);
  EXPECT_NE(out.find("cannot resolve"), std::string::npos) << out;
  EXPECT_EQ(run({"replay", "--db", db(), "--host", url, "--model", "7"}, &out), 2);
  EXPECT_EQ(run({"replay", "--db", db(), "--host", url, "--run-time", "0s"}, &out), 2);
  EXPECT_EQ(run({"replay", "--db", db(), "--host", url, "--mode", "arrival"}, &out), 2);
  EXPECT_EQ(run({"replay", "--host", url}, &out), 2);
  EXPECT_FALSE(std::filesystem::exists(db())) << "a refused replay wrote the store";
  EXPECT_EQ(run({"runs", "--db", db()}, &out), 2);
}

TEST_F(ReplayFixture, SigintMidRunStoresAnAbortedButCompleteRun) {
  Child replay({"replay", "--db", db(), "--host", url, "--users", "4", "--spawn-rate", "40", "--run-time", "60s",
                "--progress", "1s", "--threads", "1"});
  ASSERT_TRUE(replay.wait_for("] users 4 |", 15s)) << replay.text;  // a live line: the run is under way
  ASSERT_EQ(kill(replay.pid, SIGINT), 0);
  int code = replay.wait_exit(20s);
  EXPECT_TRUE(code == 0 || code == 1) << code << replay.text;
  EXPECT_NE(replay.text.find("stored as aborted"), std::string::npos) << replay.text;
  auto list = runs();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("status"), "aborted");
  EXPECT_GT(list[0].at("requests").as_int64(), 0);
  EXPECT_LT(list[0].at("duration_s").as_double(), 30.0);
  EXPECT_FALSE(list[0].at("ended_at").is_null());
}

}  // namespace

TEST(Cli, EnvFileSuppliesTheSecretsAModelAsksFor) {
  Child mock({"mock", "--listen", "127.0.0.1:0", "--threads", "1", "--api-key", "KEY-FROM-FILE"});
  ASSERT_TRUE(mock.wait_for("listening on http://127.0.0.1:")) << mock.text;
  const auto url = aria::test::printed_url(mock.text);
  const auto dir = std::filesystem::temp_directory_path() / ("aria-env-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto model = (dir / "model.json").string(), env = (dir / "secrets.env").string(), db = (dir / "runs.db").string();
  std::ofstream(model) << R"({"format":"aria-harness/model","version":1,"name":"keyed","classes":[{"name":"A",
    "weight":1,"think_time":{"kind":"constant","value":0.05},"tasks":[{"name":"t","steps":[{"path":"/api/agents",
    "headers":{"X-API-Key":"{env.ARIA_CLI_TEST_KEY}"}}]}]}]})";
  std::ofstream(env) << "# for the keyed model\nARIA_CLI_TEST_KEY=KEY-FROM-FILE\n";
  std::string out;
  const std::vector<std::string> base{"replay", "--db", db, "--host", url, "--model", model, "--users", "2",
                                      "--run-time", "2s", "--threshold", "fail_rate<0.0001%", "--quiet"};
  EXPECT_EQ(run(base, &out), 2);  // the variable is in neither the environment nor a file
  EXPECT_NE(out.find("ARIA_CLI_TEST_KEY"), std::string::npos) << out;
  auto with_file = base;
  with_file.insert(with_file.end(), {"--env-file", env});
  EXPECT_EQ(run(with_file, &out), 0) << out;  // 401s would fail the threshold
  with_file.back() = env + ".missing";
  EXPECT_EQ(run(with_file, &out), 2);
  EXPECT_NE(out.find("does not exist"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

TEST(Cli, CompareCallsAnInjectedSlowdownAndNotARepeatTrendMarksIt) {
  Child fast({"mock", "--listen", "127.0.0.1:0", "--threads", "1", "--llm-latency", "10ms"});
  Child slow({"mock", "--listen", "127.0.0.1:0", "--threads", "1", "--llm-latency", "10ms", "--added-latency", "30ms"});
  ASSERT_TRUE(fast.wait_for("listening on http://127.0.0.1:")) << fast.text;
  ASSERT_TRUE(slow.wait_for("listening on http://127.0.0.1:")) << slow.text;
  const auto dir = std::filesystem::temp_directory_path() / ("aria-compare-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto db = (dir / "runs.db").string();
  std::string out;
  for (const auto* target : {&fast, &fast, &slow}) {
    ASSERT_EQ(run({"replay", "--db", db, "--host", aria::test::printed_url(target->text), "--users", "20", "--spawn-rate",
                   "40", "--run-time", "4s", "--quiet", "--label", "nightly", "--threshold", "fail_rate<1%", "--junit",
                   (dir / "thresholds.xml").string()},
                  &out),
              0)
        << out;
  }
  // The replay's JUnit file: one case per threshold.
  std::ifstream junit_in(dir / "thresholds.xml");
  std::stringstream junit;
  junit << junit_in.rdbuf();
  EXPECT_NE(junit.str().find("<testsuites tests=\"1\" failures=\"0\""), std::string::npos) << junit.str();
  // The same setup twice: no regression.
  EXPECT_EQ(run({"compare", "--db", db, "1", "2"}, &out), 0) << out;
  EXPECT_NE(out.find("verdict: no regression"), std::string::npos) << out;
  // 30 ms added to every response: a regression, exit code 1, with the page and the JUnit file.
  const auto page = (dir / "compare.html").string(), cases = (dir / "compare.xml").string();
  EXPECT_EQ(run({"compare", "--db", db, "1", "3", "--json", "-o", page, "--junit", cases}, &out), 1) << out;
  const auto json = boost::json::parse(out).as_object();
  EXPECT_TRUE(json.at("regression").as_bool());
  const auto& total = json.at("endpoints").as_array().back().as_object();
  EXPECT_EQ(total.at("name"), "Aggregated");
  EXPECT_EQ(total.at("metrics").at("p50").at("verdict"), "worse");
  EXPECT_TRUE(std::filesystem::exists(page));
  std::ifstream cases_in(cases);
  std::stringstream xml;
  xml << cases_in.rdbuf();
  EXPECT_NE(xml.str().find("<failure message=\"p50 got worse"), std::string::npos) << xml.str();
  // The trend marks run 3.
  const auto trend = (dir / "trend.html").string();
  ASSERT_EQ(run({"trend", "--db", db, "--label", "nightly", "-o", trend}, &out), 0) << out;
  EXPECT_NE(out.find("3 runs"), std::string::npos) << out;
  EXPECT_NE(out.find("1 regression(s)"), std::string::npos) << out;
  // Bad input.
  EXPECT_EQ(run({"compare", "--db", db, "1", "9"}, &out), 2);
  EXPECT_EQ(run({"compare", "--db", db, "1", "2", "--latency-tolerance", "lots"}, &out), 2);
  EXPECT_EQ(run({"trend", "--db", db, "--label", "nobody", "-o", trend}, &out), 2);
  EXPECT_NE(out.find("no completed run labelled"), std::string::npos) << out;
  std::filesystem::remove_all(dir);
}

TEST(Cli, ReplaysAnHttpsTargetVerifyingItsCertificate) {
  const auto dir = std::filesystem::temp_directory_path() / ("aria-https-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const auto cert = (dir / "cert.pem").string(), key = (dir / "key.pem").string();
  const auto make = fmt::format(
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout {} -out {} -days 2 -subj /CN=127.0.0.1 "
      "-addext subjectAltName=IP:127.0.0.1,DNS:localhost >/dev/null 2>&1",
      key, cert);
  ASSERT_EQ(std::system(make.c_str()), 0) << "openssl could not make a certificate";
  // An https Aria: the stand-in behind the recorder listening with TLS.
  Child mock({"mock", "--listen", "127.0.0.1:0", "--threads", "1", "--llm-latency", "5ms"});
  ASSERT_TRUE(mock.wait_for("listening on http://127.0.0.1:")) << mock.text;
  Child tls({"record", "--db", (dir / "rec.db").string(), "--upstream", aria::test::printed_url(mock.text), "--listen",
             "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key});
  ASSERT_TRUE(tls.wait_for("listening on https://127.0.0.1:")) << tls.text;
  const auto at = tls.text.find("https://127.0.0.1:");
  const auto url = tls.text.substr(at, tls.text.find_first_of(" ,\n", at) - at);
  const auto db = (dir / "runs.db").string();
  std::string out;
  const std::vector<std::string> base{"replay", "--db", db, "--host", url, "--users", "5", "--spawn-rate", "50",
                                      "--run-time", "2s", "--quiet", "--threshold", "fail_rate<0.0001%"};
  auto trusted = base;
  trusted.insert(trusted.end(), {"--ca-file", cert});
  EXPECT_EQ(run(trusted, &out), 0) << out;  // verified against the given certificate: no failure
  EXPECT_EQ(run(base, &out), 1) << out;     // a certificate nobody vouches for: every request fails
  auto insecure = base;
  insecure.push_back("--insecure");
  EXPECT_EQ(run(insecure, &out), 0) << out;
  auto list = boost::json::parse([&] {
                std::string json;
                run({"runs", "--db", db, "--json"}, &json);
                return json;
              }())
                  .as_array();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_GT(list[0].at("requests").as_int64(), 0);
  EXPECT_EQ(list[1].at("failures"), list[1].at("requests"));
  EXPECT_EQ(run({"replay", "--db", db, "--host", url, "--ca-file", (dir / "none.pem").string()}, &out), 2);
  std::filesystem::remove_all(dir);
}
