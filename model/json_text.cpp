#include "model/json_text.hpp"

#include <algorithm>
#include <cmath>
#include <optional>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace aria::model {
namespace json = boost::json;

namespace {

constexpr std::size_t kLineWidth = 100;  // containers of scalars stay on one line up to this column

// The column the next character of out goes to.
std::size_t column(const std::string& out) {
  const auto newline = out.rfind('\n');
  return newline == std::string::npos ? out.size() : out.size() - newline - 1;
}

bool is_scalar(const json::value& v) { return !v.is_object() && !v.is_array(); }

void write(std::string& out, const json::value& v, int indent, int level);

// The container on one line, {"a": 1, "b": 2} or [1, 2], when it holds only scalars and fits
// in the line from `column` on; otherwise nothing.
std::optional<std::string> one_line(const json::value& v, std::size_t column) {
  std::string line;
  if (v.is_array()) {
    const auto& a = v.get_array();
    if (!std::all_of(a.begin(), a.end(), is_scalar)) return std::nullopt;
    line = "[";
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (i > 0) line += ", ";
      write(line, a[i], 0, 0);
    }
    line += "]";
  } else {
    const auto& o = v.get_object();
    if (!std::all_of(o.begin(), o.end(), [](const auto& m) { return is_scalar(m.value()); })) return std::nullopt;
    line = "{";
    for (const auto& m : o) {
      if (line.size() > 1) line += ", ";
      line += json::serialize(json::string(m.key()));
      line += ": ";
      write(line, m.value(), 0, 0);
    }
    line += "}";
  }
  if (column + line.size() + 1 > kLineWidth) return std::nullopt;  // + 1: a comma after it
  return line;
}

void write(std::string& out, const json::value& v, int indent, int level) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      return;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      return;
    case json::kind::int64:
      out += fmt::format("{}", v.get_int64());
      return;
    case json::kind::uint64:
      out += fmt::format("{}", v.get_uint64());
      return;
    case json::kind::double_:
      out += std::isfinite(v.get_double()) ? fmt::format("{}", v.get_double()) : "null";
      return;
    case json::kind::string:
      out += json::serialize(v.get_string());
      return;
    case json::kind::array: {
      const auto& a = v.get_array();
      if (a.empty()) {
        out += "[]";
        return;
      }
      if (indent > 0) {
        if (auto line = one_line(v, column(out))) {
          out += *line;
          return;
        }
      }
      const std::string inner(static_cast<std::size_t>(indent * (level + 1)), ' ');
      out += '[';
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i > 0) out += ',';
        if (indent > 0) out += '\n' + inner;
        write(out, a[i], indent, level + 1);
      }
      if (indent > 0) out += '\n' + std::string(static_cast<std::size_t>(indent * level), ' ');
      out += ']';
      return;
    }
    case json::kind::object: {
      const auto& o = v.get_object();
      if (o.empty()) {
        out += "{}";
        return;
      }
      if (indent > 0 && level > 0) {
        if (auto line = one_line(v, column(out))) {
          out += *line;
          return;
        }
      }
      const std::string inner(static_cast<std::size_t>(indent * (level + 1)), ' ');
      out += '{';
      bool first = true;
      for (const auto& m : o) {
        if (!first) out += ',';
        first = false;
        if (indent > 0) out += '\n' + inner;
        out += json::serialize(json::string(m.key()));
        out += indent > 0 ? ": " : ":";
        write(out, m.value(), indent, level + 1);
      }
      if (indent > 0) out += '\n' + std::string(static_cast<std::size_t>(indent * level), ' ');
      out += '}';
      return;
    }
  }
}

}  // namespace

std::string format_json(const json::value& v, int indent) {
  std::string out;
  write(out, v, std::max(indent, 0), 0);
  return out;
}

}  // namespace aria::model
