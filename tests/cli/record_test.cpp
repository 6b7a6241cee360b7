// `aria-harness record` as a user runs it: secrets never on disk, flush on shutdown, a SIGKILL
// that leaves a consistent file, bad input refused.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "net/client.hpp"
#include "store/database.hpp"
#include "tests/cli/child.hpp"

namespace {

using namespace std::chrono_literals;
using aria::test::Child;
using aria::test::printed_url;
using aria::test::run;

struct RecordFixture : ::testing::Test {
  std::unique_ptr<Child> mock;
  std::string upstream;
  std::filesystem::path dir;

  void SetUp() override {
    dir = std::filesystem::temp_directory_path() /
          ("aria-rec-" + std::to_string(getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    mock = std::make_unique<Child>(
        std::vector<std::string>{"mock", "--listen", "127.0.0.1:0", "--threads", "1", "--llm-latency", "5ms"});
    ASSERT_TRUE(mock->wait_for("listening on http://127.0.0.1:")) << mock->text;
    upstream = printed_url(mock->text);
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string db() const { return (dir / "rec.db").string(); }

  std::unique_ptr<Child> recorder(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"record", "--db", db(), "--upstream", upstream, "--listen", "127.0.0.1:0"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto child = std::make_unique<Child>(args);
    EXPECT_TRUE(child->wait_for("listening on http://127.0.0.1:")) << child->text;
    return child;
  }
  static std::uint16_t port_of(const Child& c) {
    auto url = printed_url(c.text);
    return static_cast<std::uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  }
  // Every byte the store left on disk: the file, its WAL and shared memory.
  std::string disk_bytes() const {
    std::string all;
    for (auto suffix : {"", "-wal", "-shm", "-journal"}) {
      std::ifstream in(db() + suffix, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      all += ss.str();
    }
    return all;
  }
  boost::json::array recordings() {
    std::string out;
    EXPECT_EQ(run({"recordings", "--db", db(), "--json"}, &out), 0) << out;
    return boost::json::parse(out).as_array();
  }
};

// Sends a known secret in each place a secret can travel.
void send_secrets(std::uint16_t port) {
  aria::net::HttpClient c("127.0.0.1", port);
  aria::net::Headers h{{"Authorization", "Bearer SECRET-AUTH-1"},
                       {"Cookie", "sid=SECRET-COOKIE-2"},
                       {"X-API-Key", "SECRET-KEY-3"},
                       {"X-Custom", "SECRET-CUSTOM-4"}};
  EXPECT_EQ(c.post_json("/api/sessions?api_key=SECRET-QUERY-5",
                        R"({"session_id":"s","title":"t","password":"SECRET-PW-6","token":"SECRET-TOKEN-7","ssn":"SECRET-SSN-8"})",
                        h)
                .status,
            201);
  EXPECT_EQ(c.request("POST", "/api/chat", "session_id=s&password=SECRET-FORM-9",
                      {{"Content-Type", "application/x-www-form-urlencoded"}})
                .status,
            422);
}
const char* const kSecrets[] = {"SECRET-AUTH-1",  "SECRET-COOKIE-2", "SECRET-KEY-3",   "SECRET-CUSTOM-4", "SECRET-QUERY-5",
                                "SECRET-PW-6",    "SECRET-TOKEN-7",  "SECRET-SSN-8",   "SECRET-FORM-9"};

TEST_F(RecordFixture, SecretsNeverReachTheDisk) {
  auto rec = recorder({"--redact-header", "X-Custom", "--redact-field", "ssn"});
  send_secrets(port_of(*rec));
  // Look while the recorder still runs (rows in the WAL), then after it stopped.
  std::this_thread::sleep_for(300ms);  // past the writer's 100 ms commit interval
  for (auto s : kSecrets) EXPECT_EQ(disk_bytes().find(s), std::string::npos) << s << " on disk while recording";
  ASSERT_EQ(kill(rec->pid, SIGINT), 0);
  EXPECT_EQ(rec->wait_exit(), 0) << rec->text;
  const auto bytes = disk_bytes();
  for (auto s : kSecrets) EXPECT_EQ(bytes.find(s), std::string::npos) << s << " on disk";
  EXPECT_NE(bytes.find("[redacted:"), std::string::npos) << "no redaction marker stored";
  auto list = recordings();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("exchanges").as_int64(), 2);
}

TEST_F(RecordFixture, ShutdownStoresEveryExchangeTheClientCompleted) {
  auto rec = recorder();
  aria::net::HttpClient c("127.0.0.1", port_of(*rec));
  int completed = 0;
  for (int i = 0; i < 300; ++i) completed += c.get(i % 3 ? "/api/health" : "/dashboard").status == 200;
  ASSERT_EQ(kill(rec->pid, SIGTERM), 0);
  EXPECT_EQ(rec->wait_exit(), 0) << rec->text;
  EXPECT_NE(rec->text.find("300 exchanges stored"), std::string::npos) << rec->text;
  auto list = recordings();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].at("exchanges").as_int64(), completed);
  EXPECT_EQ(list[0].at("status"), "ended");
  EXPECT_EQ(list[0].at("dropped").as_int64(), 0);
  EXPECT_EQ(list[0].at("visitors").as_int64(), 1);
}

TEST_F(RecordFixture, SigkillLeavesAConsistentFile) {
  auto rec = recorder();
  const auto port = port_of(*rec);
  std::atomic<bool> go{true};
  std::atomic<int> completed{0};
  std::thread traffic([&] {
    aria::net::HttpClient c("127.0.0.1", port, 2000ms);
    while (go.load()) {
      try {
        if (c.get("/api/status").status == 200) ++completed;
      } catch (const std::exception&) {
        return;  // the recorder is gone
      }
    }
  });
  std::this_thread::sleep_for(700ms);
  ASSERT_EQ(kill(rec->pid, SIGKILL), 0);
  rec->wait_exit();
  go = false;
  traffic.join();
  ASSERT_GT(completed.load(), 0);
  aria::store::Database store(db());
  auto check = store.prepare("PRAGMA integrity_check");
  ASSERT_TRUE(check.step());
  EXPECT_EQ(check.text(0), "ok");
  auto count = store.prepare("SELECT COUNT(*) FROM exchanges");
  ASSERT_TRUE(count.step());
  // At most the last batch (100 ms of traffic) is lost; never more rows than requests.
  EXPECT_LE(count.int64(0), completed.load());
  EXPECT_GT(count.int64(0), 0);
}

TEST_F(RecordFixture, BadInputExitsTwoAndWritesNothing) {
  std::string out;
  EXPECT_EQ(run({"record", "--db", db()}, &out), 2);
  EXPECT_EQ(run({"record", "--db", db(), "--upstream", "ftp://x"}, &out), 2);
  EXPECT_NE(out.find("--upstream"), std::string::npos) << out;
  EXPECT_EQ(run({"record", "--db", db(), "--upstream", upstream, "--visitor-key", "ip"}, &out), 2);
  EXPECT_EQ(run({"record", "--db", db(), "--upstream", upstream, "--max-body", "lots"}, &out), 2);
  EXPECT_EQ(run({"record", "--db", db(), "--upstream", upstream, "--listen", "here"}, &out), 2);
  EXPECT_FALSE(std::filesystem::exists(db()));
  EXPECT_EQ(run({"recordings", "--db", db()}, &out), 2);
  auto taken = mock->text.substr(mock->text.find("127.0.0.1:"));
  taken = taken.substr(0, taken.find_first_of(" \n"));
  EXPECT_EQ(run({"record", "--db", db(), "--upstream", upstream, "--listen", taken}, &out), 3);
  EXPECT_NE(out.find("cannot listen"), std::string::npos) << out;
}

}  // namespace
