// Sliding-window limit on writes per client, as Aria applies it: at most `count` writes in any
// `window`; the rest get 429 with the seconds until a slot frees up.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/parse.hpp"

namespace aria::mock {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  explicit RateLimiter(Rate rate) : rate_(rate) {}

  // Zero when the write is allowed (and counted); else the whole seconds to wait, at least 1.
  std::int64_t acquire(std::string_view client, Clock::time_point now = Clock::now());

 private:
  Rate rate_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<Clock::time_point>> clients_;
  std::uint64_t calls_ = 0;
};

}  // namespace aria::mock
