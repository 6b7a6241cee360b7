#include "replayer/template.hpp"

#include <cstdlib>

#include <boost/json/parse.hpp>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "model/json_text.hpp"
#include "model/template.hpp"

namespace aria::replayer {

void Template::append_literal(std::string_view text) {
  if (text.empty()) return;
  if (!parts_.empty() && parts_.back().kind == Part::Kind::literal) parts_.back().text += text;
  else parts_.push_back({Part::Kind::literal, std::string(text)});
}

void Template::append(std::string_view text, bool json_string) {
  std::vector<model::TemplatePart> parsed;
  try {
    parsed = model::parse_template(text);
  } catch (const model::TemplateError& e) {
    throw UsageError(fmt::format("template '{}': {}", text, e.what()));
  }
  for (const auto& p : parsed) {
    std::string escaped;
    switch (p.kind) {
      case model::TemplatePart::Kind::literal:
        if (json_string) json_escape(escaped, p.text);
        append_literal(json_string ? std::string_view(escaped) : std::string_view(p.text));
        break;
      case model::TemplatePart::Kind::env: {
        const char* value = std::getenv(p.text.c_str());
        if (!value)
          throw UsageError(fmt::format("the model needs the environment variable {} (placeholder {{env.{}}}); set "
                                       "it before replaying",
                                       p.text, p.text));
        // Environment values are fixed for the run: escape them once, here.
        if (escape_ == Escape::json) json_escape(escaped, value);
        else if (escape_ == Escape::url) url_encode(escaped, value);
        else escaped = value;
        append_literal(escaped);
        break;
      }
      case model::TemplatePart::Kind::message: parts_.push_back({Part::Kind::message, {}}); break;
      case model::TemplatePart::Kind::variable: parts_.push_back({Part::Kind::var, p.text}); break;
    }
  }
}

Template Template::compile(std::string_view text, Escape escape) {
  Template t;
  t.escape_ = escape;
  t.append(text, false);
  return t;
}

Template Template::compile_json(std::string_view json_text) {
  Template t;
  t.escape_ = Escape::json;
  boost::system::error_code ec;
  auto root = boost::json::parse(json_text, ec);
  if (ec) throw UsageError(fmt::format("a JSON body of the model is not JSON: {}", ec.message()));
  auto walk = [&t](auto&& self, const boost::json::value& v) -> void {
    std::string key;
    switch (v.kind()) {
      case boost::json::kind::object: {
        t.append_literal("{");
        bool first = true;
        for (const auto& member : v.get_object()) {
          key.clear();
          json_escape(key, member.key());
          t.append_literal(fmt::format("{}\"{}\":", first ? "" : ",", key));
          first = false;
          self(self, member.value());
        }
        t.append_literal("}");
        break;
      }
      case boost::json::kind::array: {
        t.append_literal("[");
        bool first = true;
        for (const auto& item : v.get_array()) {
          if (!first) t.append_literal(",");
          first = false;
          self(self, item);
        }
        t.append_literal("]");
        break;
      }
      case boost::json::kind::string:
        t.append_literal("\"");
        t.append(v.get_string(), true);
        t.append_literal("\"");
        break;
      default: t.append_literal(model::format_json(v, 0)); break;
    }
  };
  walk(walk, root);
  return t;
}

void Template::render(std::string& out, const Vars& vars, std::string_view message, std::string* missing) const {
  auto put = [&](std::string_view value) {
    switch (escape_) {
      case Escape::none: out += value; break;
      case Escape::json: json_escape(out, value); break;
      case Escape::url: url_encode(out, value); break;
    }
  };
  for (const auto& p : parts_) {
    switch (p.kind) {
      case Part::Kind::literal: out += p.text; break;
      case Part::Kind::message: put(message); break;
      case Part::Kind::var: {
        auto it = vars.find(p.text);
        if (it != vars.end()) put(it->second);
        else if (missing && missing->empty()) *missing = p.text;
        break;
      }
    }
  }
}

bool Template::uses_message() const {
  for (const auto& p : parts_)
    if (p.kind == Part::Kind::message) return true;
  return false;
}

}  // namespace aria::replayer
