#include "model/builtin.hpp"

#include "model/json.hpp"

namespace aria::model {
namespace embedded {
extern const std::string_view builtin_aria;  // model/builtin/aria.json
}  // namespace embedded

const Model& builtin_aria() {
  static const Model model = parse_model(embedded::builtin_aria, "builtin:aria");
  return model;
}

std::string_view builtin_aria_json() { return embedded::builtin_aria; }

std::vector<std::string_view> builtin_model_specs() { return {"builtin:aria"}; }

}  // namespace aria::model
