// A profile tells the synthesizer what kinds of users a system has: classes by route patterns,
// the JSON fields that carry chat messages, and checks for routes whose success shows in the
// body. Format "aria-harness/profile" version 1; Aria's ships in model/profiles/aria.json and is
// the default. A pattern is a path glob, optionally after a method: "*" is one segment, "**" any
// number of them ("/api/**" matches "/api" and everything under it), e.g. "POST /api/chat".
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aria::model {

struct RoutePattern {
  std::string method;                 // empty: any
  std::vector<std::string> segments;  // literal, "*" or "**"

  bool matches(std::string_view method, std::string_view path) const;
};

struct ProfileClass {
  std::string name;
  std::vector<RoutePattern> routes;
};

struct ProfileCheck {
  RoutePattern route;
  std::vector<std::string> json_any;
  std::string json_failure;
};

struct Profile {
  std::string name;
  std::vector<ProfileClass> classes;       // in order: a request counts for the first class it matches
  std::vector<std::string> message_fields; // request JSON fields whose text is a chat message
  std::vector<std::string> messages;       // the starting message set (Aria's: the seed's ten)
  std::vector<ProfileCheck> checks;
};

// Throws aria::UsageError naming the source and the JSON path of what is wrong.
Profile parse_profile(std::string_view text, std::string_view source);
Profile load_profile(const std::string& path);
// Aria's, with the seed's ten chat messages.
const Profile& aria_profile();

RoutePattern parse_route_pattern(std::string_view text);  // throws std::invalid_argument

}  // namespace aria::model
