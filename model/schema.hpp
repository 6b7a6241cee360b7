// A small JSON Schema validator for the contracts in schemas/*.json. It supports the keywords
// those files use, and nothing else:
//   type, properties, required, additionalProperties (bool or schema), items (one schema for every
//   item), enum, const, minimum, exclusiveMinimum, maximum, minItems, minLength, pattern
//   (ECMAScript, unanchored search), oneOf, $defs and $ref (local "#/..." pointers only).
// The annotations $schema, $id, $comment, title, description, default and examples are ignored.
// Any other keyword makes validate() throw std::invalid_argument, so a schema never silently
// asks for a check that is not made.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

namespace aria::model {

// The first failing value: where it is and what is wrong with it.
struct SchemaError {
  std::string path;     // e.g. "classes[0].tasks[2].steps[0].path"; empty for the document itself
  std::string message;  // e.g. "must be a number greater than 0 (got -1)"

  // "path: message", with "(top level)" for an empty path.
  std::string describe() const;
};

// Validates doc against schema. Returns the first error found, or nothing when doc is valid.
// Throws std::invalid_argument when the schema itself is malformed or uses an unsupported keyword.
std::optional<SchemaError> validate(const boost::json::value& schema, const boost::json::value& doc);

// JSON paths in the form used by every error message: members as ".name" (or ["odd name"] when
// the name is not an identifier), array items as "[index]".
std::string json_path_member(std::string_view parent, std::string_view name);
std::string json_path_index(std::string_view parent, std::size_t index);

// A short rendering of a value for error messages: strings quoted (and cut when long), numbers
// and literals as written, "an object" / "an array" for containers.
std::string describe_value(const boost::json::value& v);

}  // namespace aria::model
