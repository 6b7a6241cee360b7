// The aria-harness binary as a user runs it: exit codes, messages, signals.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace {

using namespace std::chrono_literals;

// A child process of the binary whose stdout and stderr go to one pipe.
struct Child {
  pid_t pid = -1;
  int out = -1;
  std::string text;

  explicit Child(std::vector<std::string> args) {
    args.insert(args.begin(), ARIA_BINARY);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    EXPECT_EQ(posix_spawn(&pid, ARIA_BINARY, &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    out = fds[0];
    fcntl(out, F_SETFL, O_NONBLOCK);
  }
  ~Child() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
    if (out >= 0) close(out);
  }
  void drain() {
    char buf[4096];
    ssize_t n;
    while ((n = read(out, buf, sizeof buf)) > 0) text.append(buf, static_cast<std::size_t>(n));
  }
  // Waits until the output holds `needle`, up to `limit`.
  bool wait_for(const std::string& needle, std::chrono::milliseconds limit = 10s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      drain();
      if (text.find(needle) != std::string::npos) return true;
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  // Exit code, or 128+signal; -1 when it did not exit within `limit`.
  int wait_exit(std::chrono::milliseconds limit = 10s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        pid = -1;
        drain();
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }
};

int run(std::vector<std::string> args, std::string* output = nullptr) {
  Child c(std::move(args));
  int code = c.wait_exit(60s);
  if (output) *output = c.text;
  return code;
}

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

TEST(Cli, DemoShowsTheStandInServing) {
  std::string out;
  EXPECT_EQ(run({"demo", "--llm-latency", "20ms"}, &out), 0) << out;
  EXPECT_NE(out.find("/api/health"), std::string::npos);
  EXPECT_NE(out.find("0 of them with an error status"), std::string::npos) << out;
}

}  // namespace
