// Wall-clock helpers shared by the store, the recorder and the replayer.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace aria {

// Microseconds since the Unix epoch, wall clock.
std::int64_t unix_micros();

// ISO 8601 UTC with milliseconds: "2026-12-04T19:46:50.123Z".
std::string iso8601_utc(std::int64_t unix_us);
inline std::string iso8601_now() { return iso8601_utc(unix_micros()); }

}  // namespace aria
