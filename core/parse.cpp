#include "core/parse.hpp"

#include <cctype>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace aria {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits "1.5ms" into 1.5 and "ms". Returns false when no number leads.
bool split_number(std::string_view s, double& value, std::string_view& unit) {
  auto res = std::from_chars(s.data(), s.data() + s.size(), value);
  if (res.ec != std::errc{} || !std::isfinite(value)) return false;
  unit = trim(std::string_view(res.ptr, s.data() + s.size() - res.ptr));
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::chrono::microseconds parse_duration(std::string_view text, std::string_view what) {
  auto s = trim(text);
  double v = 0;
  std::string_view unit;
  auto bad = [&] {
    return UsageError(fmt::format("invalid {} '{}': use a number with a unit such as 250ms, 2s, 1.5m or 1h",
                                  what, text));
  };
  if (!split_number(s, v, unit) || v < 0) throw bad();
  auto u = lower(unit);
  double us = 0;
  if (u.empty() || u == "s" || u == "sec") us = v * 1e6;
  else if (u == "ms") us = v * 1e3;
  else if (u == "us" || u == "µs") us = v;
  else if (u == "m" || u == "min") us = v * 60e6;
  else if (u == "h") us = v * 3600e6;
  else throw bad();
  if (us > 1e15) throw bad();
  return std::chrono::microseconds(static_cast<std::int64_t>(std::llround(us)));
}

std::uint64_t parse_size(std::string_view text, std::string_view what) {
  auto s = trim(text);
  double v = 0;
  std::string_view unit;
  auto bad = [&] {
    return UsageError(fmt::format("invalid {} '{}': use bytes or a unit such as 64KiB, 1MiB or 2GiB", what, text));
  };
  if (!split_number(s, v, unit) || v < 0) throw bad();
  auto u = lower(unit);
  if (!u.empty() && u.back() == 'b') u.pop_back();
  if (!u.empty() && u.back() == 'i') u.pop_back();
  double mult = 1;
  if (u.empty()) mult = 1;
  else if (u == "k") mult = 1024.0;
  else if (u == "m") mult = 1024.0 * 1024;
  else if (u == "g") mult = 1024.0 * 1024 * 1024;
  else throw bad();
  double bytes = v * mult;
  if (bytes > 1e18) throw bad();
  return static_cast<std::uint64_t>(std::llround(bytes));
}

double parse_fraction(std::string_view text, std::string_view what) {
  auto s = trim(text);
  double v = 0;
  std::string_view unit;
  auto bad = [&] {
    return UsageError(fmt::format("invalid {} '{}': use a fraction between 0 and 1 (0.05) or a percentage (5%)",
                                  what, text));
  };
  if (!split_number(s, v, unit)) throw bad();
  if (unit == "%") v /= 100.0;
  else if (!unit.empty()) throw bad();
  if (v < 0 || v > 1) throw bad();
  return v;
}

Endpoint parse_endpoint(std::string_view text, std::string_view what) {
  auto s = trim(text);
  auto bad = [&](std::string_view why) {
    return UsageError(fmt::format("invalid {} '{}': {}; use HOST:PORT such as 127.0.0.1:5000", what, text, why));
  };
  Endpoint ep;
  std::string_view port;
  if (!s.empty() && s.front() == '[') {
    auto close = s.find(']');
    if (close == std::string_view::npos || close + 1 >= s.size() || s[close + 1] != ':') throw bad("unclosed [ ]");
    ep.host = std::string(s.substr(1, close - 1));
    port = s.substr(close + 2);
  } else {
    auto colon = s.rfind(':');
    if (colon == std::string_view::npos) throw bad("no port");
    ep.host = std::string(s.substr(0, colon));
    port = s.substr(colon + 1);
  }
  if (ep.host.empty()) ep.host = "127.0.0.1";
  unsigned value = 0;
  auto res = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || res.ec != std::errc{} || res.ptr != port.data() + port.size() || value > 65535)
    throw bad("the port must be a number from 0 to 65535");
  ep.port = static_cast<std::uint16_t>(value);
  return ep;
}

Rate parse_rate(std::string_view text, std::string_view what) {
  auto s = trim(text);
  auto bad = [&] {
    return UsageError(fmt::format("invalid {} '{}': use COUNT/WINDOW such as 50/5s or 100/1m", what, text));
  };
  auto slash = s.find('/');
  if (slash == std::string_view::npos) throw bad();
  auto count = trim(s.substr(0, slash));
  auto window = trim(s.substr(slash + 1));
  Rate r;
  auto res = std::from_chars(count.data(), count.data() + count.size(), r.count);
  if (count.empty() || res.ec != std::errc{} || res.ptr != count.data() + count.size() || r.count == 0) throw bad();
  if (!window.empty() && std::isalpha(static_cast<unsigned char>(window.front())))
    r.window = parse_duration(fmt::format("1{}", window), what);
  else
    r.window = parse_duration(window, what);
  if (r.window.count() <= 0) throw bad();
  return r;
}

std::string format_duration(std::chrono::microseconds d) {
  auto us = d.count();
  if (us < 1000) return fmt::format("{}us", us);
  if (us < 1'000'000) return fmt::format("{:g}ms", us / 1000.0);
  if (us < 60'000'000) return fmt::format("{:g}s", us / 1e6);
  auto secs = us / 1'000'000;
  if (secs % 60 == 0) return fmt::format("{}m", secs / 60);
  return fmt::format("{}m{}s", secs / 60, secs % 60);
}

}  // namespace aria
