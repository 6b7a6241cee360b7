#include "model/shapes.hpp"

#include <algorithm>

namespace aria::model {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_uuid(std::string_view v) {
  if (v.size() != 36) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !is_hex(v[i])) return false;
  }
  return true;
}

}  // namespace

ValueShape shape_of(std::string_view v) {
  using Kind = ValueShape::Kind;
  ValueShape s;
  if (v.empty() || v.size() > 200) return s;
  if (is_uuid(v)) {
    s.kind = Kind::uuid;
    return s;
  }
  if (v.size() <= 19 && std::all_of(v.begin(), v.end(), is_digit)) {
    s.kind = Kind::number;
    return s;
  }
  if (v.size() >= 8 && std::all_of(v.begin(), v.end(), is_hex) && std::any_of(v.begin(), v.end(), is_digit)) {
    s.kind = Kind::hex;
    s.length = static_cast<int>(v.size());
    return s;
  }
  // prefixed: letters (and '-', '_') ending in a separator, then digits, then (separator and
  // alphanumerics)*.
  const auto first_digit = std::find_if(v.begin(), v.end(), is_digit) - v.begin();
  if (first_digit > 1 && first_digit < static_cast<std::ptrdiff_t>(v.size())) {
    const auto prefix = v.substr(0, static_cast<std::size_t>(first_digit));
    const char sep = prefix.back();
    const bool prefix_ok = (sep == '-' || sep == '_') && is_letter(prefix.front()) &&
                           std::all_of(prefix.begin(), prefix.end(), [](char c) { return is_letter(c) || c == '-' || c == '_'; });
    if (prefix_ok) {
      std::size_t i = static_cast<std::size_t>(first_digit);
      while (i < v.size() && is_digit(v[i])) ++i;
      bool rest_ok = true;
      while (rest_ok && i < v.size()) {
        if (v[i] != '-' && v[i] != '_') {
          rest_ok = false;
          break;
        }
        const std::size_t start = ++i;
        while (i < v.size() && (is_letter(v[i]) || is_digit(v[i]))) ++i;
        rest_ok = i > start;
      }
      if (rest_ok) {
        s.kind = Kind::prefixed;
        s.prefix = std::string(prefix);
        return s;
      }
    }
  }
  if (v.size() >= 16 &&
      std::all_of(v.begin(), v.end(), [](char c) { return is_letter(c) || is_digit(c) || c == '-' || c == '_'; }) &&
      std::any_of(v.begin(), v.end(), is_digit) && std::any_of(v.begin(), v.end(), is_letter)) {
    s.kind = Kind::token;
    s.length = static_cast<int>(v.size());
  }
  return s;
}

std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    auto end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    out.push_back(path.substr(i, end - i));
    i = end;
  }
  return out;
}

bool is_redaction_marker(std::string_view v) {
  constexpr std::string_view kHead = "[redacted:";
  if (v.size() != kHead.size() + 16 + 1 || !v.starts_with(kHead) || v.back() != ']') return false;
  return std::all_of(v.begin() + static_cast<std::ptrdiff_t>(kHead.size()), v.end() - 1, is_hex);
}

}  // namespace aria::model
