#include "replayer/checks.hpp"

#include <algorithm>
#include <regex>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace aria::replayer {
namespace json = boost::json;

const json::value* LazyJson::get() {
  if (!parsed_) {
    parsed_ = true;
    boost::system::error_code ec;
    auto v = json::parse(body_, ec);
    if (!ec) value_ = std::move(v);
  }
  return value_ ? &*value_ : nullptr;
}

std::optional<Failure> evaluate_check(const model::Check& check, int status, LazyJson& body) {
  if (auto it = check.named_failures.find(status); it != check.named_failures.end())
    return Failure{FailureKind::status, it->second};
  bool allowed = check.status.empty() ? status < 400
                                      : std::find(check.status.begin(), check.status.end(), status) != check.status.end();
  if (!allowed) return Failure{FailureKind::status, fmt::format("Status {}", status)};
  if (check.json_any.empty() && check.json_all.empty()) return std::nullopt;

  auto message = [&](std::string_view fallback) {
    return Failure{FailureKind::check, check.json_failure.empty() ? std::string(fallback) : check.json_failure};
  };
  const json::value* v = body.get();
  if (!v || !v->is_object()) return message("Response is not a JSON object");
  const auto& o = v->as_object();
  if (!check.json_any.empty()) {
    bool any = std::any_of(check.json_any.begin(), check.json_any.end(), [&](const std::string& f) { return o.contains(f); });
    if (!any) return message(fmt::format("No {} in response", fmt::join(check.json_any, " or ")));
  }
  for (const auto& f : check.json_all)
    if (!o.contains(f)) return message(fmt::format("No {} in response", f));
  return std::nullopt;
}

std::optional<Failure> apply_extractions(const model::Step& step, const std::vector<std::regex>& regexes,
                                         std::string_view body, LazyJson& json, const HeaderLookup& header,
                                         Vars& vars) {
  std::size_t regex_index = 0;
  for (const auto& e : step.extract) {
    std::optional<std::string> value;
    switch (e.from) {
      case model::Extraction::From::json: {
        if (const auto* v = json.get()) {
          boost::system::error_code ec;
          if (const auto* found = v->find_pointer(e.pointer, ec)) {
            if (found->is_string()) value = std::string(found->as_string());
            else if (!found->is_null() && !found->is_object() && !found->is_array()) value = json::serialize(*found);
          }
        }
        break;
      }
      case model::Extraction::From::header: {
        auto h = header(e.header);
        if (!h.empty()) value = std::move(h);
        break;
      }
      case model::Extraction::From::regex: {
        const auto& re = regexes[regex_index++];
        std::match_results<std::string_view::const_iterator> m;
        if (std::regex_search(body.begin(), body.end(), m, re) && e.group >= 0 &&
            static_cast<std::size_t>(e.group) < m.size() && m[static_cast<std::size_t>(e.group)].matched)
          value = m[static_cast<std::size_t>(e.group)].str();
        break;
      }
    }
    if (!value) return Failure{FailureKind::check, fmt::format("Could not extract {}", e.var)};
    vars[e.var] = std::move(*value);
  }
  return std::nullopt;
}

}  // namespace aria::replayer
