// Models compiled into the binary. Each is kept as plain JSON in model/builtin/ and parsed once.
#pragma once

#include <string_view>
#include <vector>

#include "model/model.hpp"

namespace aria::model {

// "builtin:aria": the seed's Locust scenario (ChatUser 5, DashboardUser 3, APIUser 2) and its
// ten chat messages; see ARIA.md, "The seed's scenario".
const Model& builtin_aria();

// The JSON text of builtin:aria, as shipped in model/builtin/aria.json.
std::string_view builtin_aria_json();

// The specs load_model accepts for built-ins: {"builtin:aria"}.
std::vector<std::string_view> builtin_model_specs();

}  // namespace aria::model
