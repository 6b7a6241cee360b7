#include "net/system.hpp"

#include <signal.h>
#include <sys/resource.h>

#include <algorithm>
#include <fstream>

namespace aria::net {
namespace {
sigset_t stop_set() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}
}  // namespace

std::uint64_t raise_open_files_limit(std::uint64_t wanted) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (wanted > lim.rlim_max) {
    // Only a privileged process may raise the hard limit; the kernel caps it at fs.nr_open.
    std::uint64_t nr_open = 1 << 20;
    if (std::ifstream f("/proc/sys/fs/nr_open"); f) f >> nr_open;
    rlimit higher{std::min<rlim_t>(wanted, nr_open), std::min<rlim_t>(wanted, nr_open)};
    if (setrlimit(RLIMIT_NOFILE, &higher) == 0) return higher.rlim_cur;
  }
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur;
}

void block_stop_signals() {
  auto set = stop_set();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop_signal() {
  auto set = stop_set();
  int sig = 0;
  while (sigwait(&set, &sig) != 0) {
  }
  return sig;
}

void unblock_stop_signals() {
  auto set = stop_set();
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
}

}  // namespace aria::net
