#include "model/template.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace aria::model {

bool is_identifier(std::string_view s) {
  auto alpha = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  if (s.empty() || !alpha(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alpha(c) || (c >= '0' && c <= '9'); });
}

std::vector<TemplatePart> parse_template(std::string_view text) {
  std::vector<TemplatePart> parts;
  auto literal = [&](std::string_view s) {
    if (parts.empty() || parts.back().kind != TemplatePart::Kind::literal) {
      parts.push_back({TemplatePart::Kind::literal, ""});
    }
    parts.back().text += s;
  };
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '{' && i + 1 < text.size() && text[i + 1] == '{') {
      literal("{");
      i += 2;
    } else if (c == '}' && i + 1 < text.size() && text[i + 1] == '}') {
      literal("}");
      i += 2;
    } else if (c == '}') {
      throw TemplateError(fmt::format("a lone \"}}\" at character {}; write \"}}}}\" for a literal brace", i + 1));
    } else if (c == '{') {
      const auto close = text.find('}', i + 1);
      const auto next_open = text.find('{', i + 1);
      if (close == std::string_view::npos || next_open < close) {
        throw TemplateError(fmt::format(
            "unclosed \"{{\" at character {}; a placeholder is {{name}}, and \"{{{{\" writes a literal brace", i + 1));
      }
      const std::string_view name = text.substr(i + 1, close - i - 1);
      if (name == "message") {
        parts.push_back({TemplatePart::Kind::message, ""});
      } else if (name.starts_with("env.") && is_identifier(name.substr(4))) {
        parts.push_back({TemplatePart::Kind::env, std::string(name.substr(4))});
      } else if (is_identifier(name)) {
        parts.push_back({TemplatePart::Kind::variable, std::string(name)});
      } else {
        throw TemplateError(fmt::format(
            "\"{{{}}}\" at character {} is not a placeholder; use {{variable}}, {{message}} or {{env.NAME}} "
            "(names are letters, digits and _), or \"{{{{\" and \"}}}}\" for literal braces",
            name, i + 1));
      }
      i = close + 1;
    } else {
      const auto next = text.find_first_of("{}", i);
      const auto end = next == std::string_view::npos ? text.size() : next;
      literal(text.substr(i, end - i));
      i = end;
    }
  }
  return parts;
}

}  // namespace aria::model
