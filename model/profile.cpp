#include "model/profile.hpp"

#include <stdexcept>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "model/builtin.hpp"
#include "model/shapes.hpp"

namespace aria::model {
namespace embedded {
extern const std::string_view profile_aria;  // model/profiles/aria.json
}  // namespace embedded

namespace json = boost::json;

namespace {


bool match_from(const std::vector<std::string>& pattern, std::size_t p, const std::vector<std::string_view>& path,
                std::size_t s) {
  if (p == pattern.size()) return s == path.size();
  if (pattern[p] == "**") {
    for (std::size_t k = s; k <= path.size(); ++k)
      if (match_from(pattern, p + 1, path, k)) return true;
    return false;
  }
  if (s == path.size()) return false;
  if (pattern[p] != "*" && pattern[p] != path[s]) return false;
  return match_from(pattern, p + 1, path, s + 1);
}

// Reading with errors that name the place: "profile.json: classes[1].routes[0]: ...".
struct Reader {
  std::string_view source;

  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw UsageError(fmt::format("{}: {}: {}", source, where, what));
  }
  const json::object& object(const json::value& v, const std::string& where) const {
    if (!v.is_object()) fail(where, "must be an object");
    return v.as_object();
  }
  std::string string(const json::value& v, const std::string& where) const {
    if (!v.is_string() || v.as_string().empty()) fail(where, "must be a non-empty string");
    return std::string(v.as_string());
  }
  std::vector<std::string> strings(const json::object& o, std::string_view key, const std::string& where,
                                   bool required) const {
    std::vector<std::string> out;
    const auto* v = o.if_contains(key);
    if (!v) {
      if (required) fail(where, fmt::format("\"{}\" is required", key));
      return out;
    }
    if (!v->is_array()) fail(fmt::format("{}.{}", where, key), "must be an array of strings");
    for (std::size_t i = 0; i < v->as_array().size(); ++i)
      out.push_back(string(v->as_array()[i], fmt::format("{}.{}[{}]", where, key, i)));
    return out;
  }
  RoutePattern pattern(const std::string& text, const std::string& where) const {
    try {
      return parse_route_pattern(text);
    } catch (const std::invalid_argument& e) {
      fail(where, e.what());
    }
  }
  void known_keys(const json::object& o, std::initializer_list<std::string_view> keys, const std::string& where) const {
    for (const auto& [k, v] : o) {
      bool known = false;
      for (auto key : keys) known = known || k == key;
      if (!known) fail(where.empty() ? std::string(k) : fmt::format("{}.{}", where, std::string_view(k)),
                       "unknown member (a typo?)");
    }
  }
};

}  // namespace

bool RoutePattern::matches(std::string_view m, std::string_view path) const {
  if (!method.empty() && method != m) return false;
  auto q = path.find('?');
  return match_from(segments, 0, path_segments(path.substr(0, q)), 0);
}

RoutePattern parse_route_pattern(std::string_view text) {
  RoutePattern p;
  auto space = text.find(' ');
  if (space != std::string_view::npos) {
    p.method = std::string(text.substr(0, space));
    for (char c : p.method)
      if (c < 'A' || c > 'Z') throw std::invalid_argument(fmt::format("\"{}\": the method must be upper case", text));
    text = text.substr(space + 1);
  }
  if (!text.starts_with('/'))
    throw std::invalid_argument(fmt::format("\"{}\": a route pattern is a path starting with '/'", text));
  for (auto s : path_segments(text)) {
    if (s.find('*') != std::string_view::npos && s != "*" && s != "**")
      throw std::invalid_argument(fmt::format("\"{}\": '*' must be a whole segment (* or **)", text));
    p.segments.emplace_back(s);
  }
  return p;
}

Profile parse_profile(std::string_view text, std::string_view source) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) throw UsageError(fmt::format("{}: not valid JSON: {}", source, ec.message()));
  Reader r{source};
  if (!v.is_object()) r.fail("(top)", "a profile is a JSON object");
  const auto& o = v.as_object();
  r.known_keys(o, {"format", "version", "name", "description", "classes", "message_fields", "messages", "checks"}, "");
  const auto* format = o.if_contains("format");
  if (!format || !format->is_string() || format->as_string() != "aria-harness/profile")
    r.fail("format", "must be \"aria-harness/profile\"");
  const auto* version = o.if_contains("version");
  if (!version || !version->is_int64() || version->as_int64() != 1) r.fail("version", "must be 1");
  Profile p;
  if (const auto* name = o.if_contains("name")) p.name = r.string(*name, "name");
  const auto* classes = o.if_contains("classes");
  if (!classes || !classes->is_array() || classes->as_array().empty())
    r.fail("classes", "must be a non-empty array of {\"name\", \"routes\"}");
  for (std::size_t i = 0; i < classes->as_array().size(); ++i) {
    const auto where = fmt::format("classes[{}]", i);
    const auto& c = r.object(classes->as_array()[i], where);
    r.known_keys(c, {"name", "routes"}, where);
    ProfileClass pc;
    const auto* name = c.if_contains("name");
    if (!name) r.fail(where, "\"name\" is required");
    pc.name = r.string(*name, where + ".name");
    for (const auto& existing : p.classes)
      if (existing.name == pc.name) r.fail(where + ".name", fmt::format("\"{}\" is used twice", pc.name));
    auto routes = r.strings(c, "routes", where, true);
    if (routes.empty()) r.fail(where + ".routes", "must name at least one route pattern");
    for (std::size_t k = 0; k < routes.size(); ++k)
      pc.routes.push_back(r.pattern(routes[k], fmt::format("{}.routes[{}]", where, k)));
    p.classes.push_back(std::move(pc));
  }
  p.message_fields = r.strings(o, "message_fields", "message_fields", false);
  p.messages = r.strings(o, "messages", "messages", false);
  if (const auto* checks = o.if_contains("checks")) {
    if (!checks->is_array()) r.fail("checks", "must be an array");
    for (std::size_t i = 0; i < checks->as_array().size(); ++i) {
      const auto where = fmt::format("checks[{}]", i);
      const auto& c = r.object(checks->as_array()[i], where);
      r.known_keys(c, {"route", "json_any", "json_failure"}, where);
      ProfileCheck pc;
      const auto* route = c.if_contains("route");
      if (!route) r.fail(where, "\"route\" is required");
      pc.route = r.pattern(r.string(*route, where + ".route"), where + ".route");
      pc.json_any = r.strings(c, "json_any", where, true);
      if (const auto* f = c.if_contains("json_failure")) pc.json_failure = r.string(*f, where + ".json_failure");
      p.checks.push_back(std::move(pc));
    }
  }
  return p;
}

Profile load_profile(const std::string& path) { return parse_profile(read_text_file(path, "profile file"), path); }

const Profile& aria_profile() {
  static const Profile profile = [] {
    Profile p = parse_profile(embedded::profile_aria, "profile:aria");
    p.messages = builtin_aria().messages;  // the seed's ten
    return p;
  }();
  return profile;
}

}  // namespace aria::model
