// Request templates compiled once per run: literal text and placeholders ({var}, {message},
// {env.NAME}), rendered per request without re-parsing.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/text.hpp"

namespace aria::replayer {

using Vars = std::unordered_map<std::string, std::string>;

class Template {
 public:
  enum class Escape { none, json, url };

  Template() = default;
  // Placeholders were checked when the model was loaded; `{{` and `}}` are literal braces.
  // {env.NAME} is looked up now, in the process environment: a missing one throws
  // aria::UsageError naming it.
  static Template compile(std::string_view text, Escape escape = Escape::none);
  // A JSON body: placeholders inside its string values are filled JSON-escaped; keys, numbers
  // and the structure stay as they are.
  static Template compile_json(std::string_view json_text);

  // Appends the text with each placeholder replaced; `message` fills {message}. A variable not
  // set for this user renders empty and is reported through `missing` when given.
  void render(std::string& out, const Vars& vars, std::string_view message, std::string* missing = nullptr) const;
  std::string render(const Vars& vars, std::string_view message, std::string* missing = nullptr) const {
    std::string out;
    render(out, vars, message, missing);
    return out;
  }
  bool uses_message() const;

 private:
  struct Part {
    enum class Kind { literal, var, message } kind;
    std::string text;  // literal text, or the variable name
  };
  void append(std::string_view text, bool json_string);  // parses `text` as a template
  void append_literal(std::string_view text);

  std::vector<Part> parts_;
  Escape escape_ = Escape::none;
};

using aria::json_escape;
using aria::url_encode;

}  // namespace aria::replayer
