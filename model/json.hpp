// The model's JSON form (format "aria-harness/model", version 1; the contract is
// schemas/model.schema.json): reading with every error pointed at its JSON path, and writing.
#pragma once

#include <string>
#include <string_view>

#include "model/model.hpp"

namespace aria::model {

// Parses and checks a model. `source` names the text in messages (a file path, "builtin:aria").
// Throws aria::UsageError with a message that starts with the source and says where and what:
//   "model.json:3:15: not valid JSON: syntax error near ...": the text is not JSON;
//   "model.json: classes[0].weight: must be a number greater than 0 (got -1)": the schema fails;
//   "model.json: classes[0].tasks[1].steps[0].path: unknown placeholder {sid} ...": a template
//   uses a variable that is not defined before it, a regex does not compile, and so on.
// A "json" body is kept in Step::body as compact JSON text with Step::body_is_json set.
Model parse_model(std::string_view text, std::string_view source);

// The model as pretty-printed JSON (2-space indent, ending in a newline). Members that hold
// their defaults are left out (an empty check, no variables), so parse_model(to_json(m)) == m
// for every valid model whose unused fields hold their defaults (ThinkTime::max_s of a constant,
// Extraction::pattern of a json extraction, ...). Throws std::invalid_argument when a step with
// body_is_json holds a body that is not JSON.
std::string to_json(const Model& model);

// "builtin:aria" (see builtin.hpp) or the path of a model file. Throws aria::UsageError for an
// unknown built-in (listing the built-ins), a file that cannot be read (naming the path), or a
// model that parse_model refuses.
Model load_model(const std::string& spec);

// schemas/model.schema.json as compiled into the binary.
std::string_view model_schema_text();

}  // namespace aria::model
