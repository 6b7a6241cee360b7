#include "mock/rate_limiter.hpp"

namespace aria::mock {

std::int64_t RateLimiter::acquire(std::string_view client, Clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto window = std::chrono::duration_cast<Clock::duration>(rate_.window);
  // Forget idle clients now and then so the map does not grow without bound.
  if (++calls_ % 4096 == 0) {
    for (auto it = clients_.begin(); it != clients_.end();)
      it = (it->second.empty() || now - it->second.back() >= window) ? clients_.erase(it) : std::next(it);
  }
  auto& times = clients_[std::string(client)];
  while (!times.empty() && now - times.front() >= window) times.pop_front();
  if (times.size() < rate_.count) {
    times.push_back(now);
    return 0;
  }
  auto wait = times.front() + window - now;
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(wait + std::chrono::seconds(1) - Clock::duration(1));
  return std::max<std::int64_t>(1, secs.count());
}

}  // namespace aria::mock
