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
  if (u.starts_with("https://"))
    throw UsageError(fmt::format("{} '{}': https is not supported yet; use an http:// address (for example "
                                 "through a local TLS-terminating proxy)",
                                 flag, url));
  if (!u.starts_with("http://")) throw bad("it must start with http://");
  auto rest = u.substr(7);
  if (rest.find('/') != std::string::npos) throw bad("a base path is not supported; give scheme, host and port");
  if (rest.empty()) throw bad("no host");
  Target t;
  t.url = u;
  t.host_header = rest;
  if (rest.front() == '[') {
    auto close = rest.find(']');
    if (close == std::string::npos) throw bad("unclosed [ in an IPv6 address");
    t.host = rest.substr(1, close - 1);
    t.port = close + 1 < rest.size() && rest[close + 1] == ':' ? rest.substr(close + 2) : "80";
  } else if (auto colon = rest.rfind(':'); colon != std::string::npos) {
    t.host = rest.substr(0, colon);
    t.port = rest.substr(colon + 1);
  } else {
    t.host = rest;
    t.port = "80";
  }
  if (t.port.empty() || t.port.find_first_not_of("0123456789") != std::string::npos || std::stoul(t.port) > 65535)
    throw bad("the port must be a number from 1 to 65535");
  return t;
}

}  // namespace aria::net
