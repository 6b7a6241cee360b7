#include "net/target.hpp"

#include <fmt/format.h>

#include "core/errors.hpp"

namespace aria::net {

Target parse_target(std::string_view url, std::string_view flag) {
  std::string u(url);
  while (!u.empty() && u.back() == '/') u.pop_back();
  auto bad = [&](std::string_view why) {
    return UsageError(fmt::format("invalid {} '{}': {}; use a base URL such as http://127.0.0.1:5000", flag, url, why));
  };
  const bool tls = u.starts_with("https://");
  if (!tls && !u.starts_with("http://")) throw bad("it must start with http:// or https://");
  const std::string default_port = tls ? "443" : "80";
  auto rest = u.substr(tls ? 8 : 7);
  if (rest.find('/') != std::string::npos) throw bad("a base path is not supported; give scheme, host and port");
  if (rest.empty()) throw bad("no host");
  Target t;
  t.tls = tls;
  t.url = u;
  t.host_header = rest;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) throw bad("unclosed [ in an IPv6 address");
    t.host = rest.substr(1, close - 1);
    t.port = close + 1 < rest.size() && rest[close + 1] == ':' ? rest.substr(close + 2) : default_port;
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    t.host = rest.substr(0, colon);
    t.port = rest.substr(colon + 1);
  } else {
    t.host = rest;
    t.port = default_port;
  }
  if (t.port.empty() || t.port.find_first_not_of("0123456789") != std::string::npos || std::stoul(t.port) > 65535)
    throw bad("the port must be a number from 1 to 65535");
  return t;
}

}  // namespace aria::net
