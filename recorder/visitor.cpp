#include "recorder/visitor.hpp"

#include <strings.h>

#include <fmt/format.h>

#include "core/errors.hpp"

namespace aria::recorder {
namespace {

std::string_view header(const RawHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  return {};
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::string_view cookie(std::string_view cookies, std::string_view name) {
  while (!cookies.empty()) {
    auto semi = cookies.find(';');
    auto pair = trim(cookies.substr(0, semi));
    auto eq = pair.find('=');
    if (eq != std::string_view::npos && trim(pair.substr(0, eq)) == name) return trim(pair.substr(eq + 1));
    if (semi == std::string_view::npos) break;
    cookies.remove_prefix(semi + 1);
  }
  return {};
}

}  // namespace

VisitorRule VisitorRule::parse(std::string_view spec) {
  VisitorRule r;
  if (spec.empty()) return r;
  auto colon = spec.find(':');
  auto kind = spec.substr(0, colon);
  auto name = colon == std::string_view::npos ? std::string_view() : spec.substr(colon + 1);
  if ((kind != "cookie" && kind != "header") || name.empty())
    throw UsageError(fmt::format("invalid --visitor-key '{}': use cookie:NAME or header:NAME", spec));
  r.kind = kind == "cookie" ? Kind::cookie : Kind::header;
  r.name = std::string(name);
  return r;
}

std::string VisitorRule::describe() const {
  switch (kind) {
    case Kind::cookie: return "cookie:" + name;
    case Kind::header: return "header:" + name;
    case Kind::credential: break;
  }
  return "credential";
}

std::string identify_visitor(const VisitorRule& rule, const RawHeaders& headers, std::uint64_t connection_id,
                             const Redactor& redactor) {
  if (rule.kind == VisitorRule::Kind::cookie) {
    if (auto v = cookie(header(headers, "Cookie"), rule.name); !v.empty()) return "cookie:" + redactor.digest(v);
  } else if (rule.kind == VisitorRule::Kind::header) {
    if (auto v = header(headers, rule.name); !v.empty()) return "header:" + redactor.digest(v);
  }
  for (auto name : {"Authorization", "X-API-Key"})
    if (auto v = header(headers, name); !v.empty()) return "credential:" + redactor.digest(v);
  return fmt::format("connection:{}", connection_id);
}

}  // namespace aria::recorder
