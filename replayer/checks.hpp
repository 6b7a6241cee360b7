// What a response means for the run: the model's checks and extractions as plain functions.
#pragma once

#include <functional>
#include <regex>
#include <vector>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "model/model.hpp"
#include "replayer/stats.hpp"
#include "replayer/template.hpp"

namespace aria::replayer {

struct Failure {
  FailureKind kind;
  std::string message;
};

// The response body as JSON, parsed at most once and only when a check or extraction needs it.
class LazyJson {
 public:
  explicit LazyJson(std::string_view body) : body_(body) {}
  const boost::json::value* get();  // nullptr when the body is not JSON

 private:
  std::string_view body_;
  bool parsed_ = false;
  std::optional<boost::json::value> value_;
};

// Locust's semantics, as the seed wrote them: a named failure for its status ("Rate limited"),
// else "Status N" when the status is not allowed (no list: anything below 400), else the JSON
// field checks. Nothing when the response passes.
std::optional<Failure> evaluate_check(const model::Check& check, int status, LazyJson& json);

using HeaderLookup = std::function<std::string(std::string_view name)>;

// Applies the step's extractions to `vars`. Returns the failure of the first one that finds
// nothing (the variable keeps its previous value).
std::optional<Failure> apply_extractions(const model::Step& step, const std::vector<std::regex>& regexes,
                                         std::string_view body, LazyJson& json, const HeaderLookup& header,
                                         Vars& vars);

}  // namespace aria::replayer
