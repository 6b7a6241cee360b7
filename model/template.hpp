// Templates: the text of paths, query and header values and bodies, with placeholders.
//   {name}      a user variable (generated per user, or extracted from an earlier response)
//   {message}   a message drawn from the model's message set
//   {env.NAME}  the environment variable NAME at replay time
//   {{ and }}   a literal { and }
// Names are identifiers: a letter or "_", then letters, digits or "_".
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace aria::model {

struct TemplatePart {
  enum class Kind { literal, variable, message, env };
  Kind kind = Kind::literal;
  std::string text;  // literal: the text (braces unescaped); variable: its name; env: NAME; message: empty

  bool operator==(const TemplatePart&) const = default;
};

// The template's text is not well formed; what() says where and how to write it.
class TemplateError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Splits a template into literal runs and placeholders, in order (adjacent literal text joined).
// Throws TemplateError for an unclosed "{", a lone "}", or a placeholder that is not a name.
std::vector<TemplatePart> parse_template(std::string_view text);

// Whether s is a valid variable name.
bool is_identifier(std::string_view s);

}  // namespace aria::model
