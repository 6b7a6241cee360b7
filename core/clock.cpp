#include "core/clock.hpp"

#include <ctime>

#include <fmt/format.h>

namespace aria {

std::int64_t unix_micros() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso8601_utc(std::int64_t unix_us) {
  std::time_t secs = static_cast<std::time_t>(unix_us / 1'000'000);
  int millis = static_cast<int>((unix_us % 1'000'000) / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
}

}  // namespace aria
