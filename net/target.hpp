// A base URL to send traffic to: the replayer's --host, the recorder's --upstream.
#pragma once

#include <string>
#include <string_view>

namespace aria::net {

struct Target {
  std::string url;          // as given, without a trailing slash
  std::string host;         // to connect to
  std::string port;         // service, "80" by default
  std::string host_header;  // Host: as the URL names it
  bool tls = false;         // https
};

// "http://127.0.0.1:5000", "https://aria.example" and the like (port 80 or 443 by default).
// Throws aria::UsageError naming `flag` for anything else.
Target parse_target(std::string_view url, std::string_view flag = "--host");

}  // namespace aria::net
