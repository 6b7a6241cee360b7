// Runs the aria-harness binary as a user would, for the CLI tests.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

extern char** environ;

namespace aria::test {

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

inline int run(std::vector<std::string> args, std::string* output = nullptr) {
  Child c(std::move(args));
  int code = c.wait_exit(60s);
  if (output) *output = c.text;
  return code;
}

// The base URL a child printed ("... on http://127.0.0.1:PORT ..."), or "".
inline std::string printed_url(const std::string& text) {
  auto at = text.find("http://127.0.0.1:");
  if (at == std::string::npos) return {};
  return text.substr(at, text.find_first_of(" ,\n", at) - at);
}

}  // namespace aria::test
