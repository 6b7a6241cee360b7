// Parsers for the values users type on the command line. Each throws aria::UsageError with a
// message naming the bad value and the accepted forms.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace aria {

// "150ms", "2s", "1.5s", "2m", "1h", "250us"; a bare number is seconds.
std::chrono::microseconds parse_duration(std::string_view text, std::string_view what = "duration");

// "1MiB", "512KiB", "64k", "1048576"; K/M/G and Ki/Mi/Gi are both powers of 1024.
std::uint64_t parse_size(std::string_view text, std::string_view what = "size");

// "0.05" or "5%": a fraction in [0, 1].
double parse_fraction(std::string_view text, std::string_view what = "fraction");

struct Endpoint {
  std::string host;
  std::uint16_t port = 0;
};
// "127.0.0.1:5000", "localhost:0", ":8080" (loopback), "[::1]:5000".
Endpoint parse_endpoint(std::string_view text, std::string_view what = "address");

struct Rate {
  std::uint32_t count = 0;
  std::chrono::microseconds window{0};
};
// "50/5s", "100/1m", "10/s".
Rate parse_rate(std::string_view text, std::string_view what = "rate");

// Formats a duration for people: "150ms", "2.5s", "1m30s".
std::string format_duration(std::chrono::microseconds d);

}  // namespace aria
