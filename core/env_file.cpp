#include "core/env_file.hpp"

#include <cstdlib>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/files.hpp"

namespace aria {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool valid_name(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  return true;
}

}  // namespace

std::vector<std::pair<std::string, std::string>> parse_env_file(std::string_view text, std::string_view source) {
  std::vector<std::pair<std::string, std::string>> out;
  int line_no = 0;
  while (!text.empty()) {
    ++line_no;
    auto nl = text.find('\n');
    auto line = trim(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    auto eq = line.find('=');
    if (eq == std::string_view::npos)
      throw UsageError(fmt::format("{}:{}: expected NAME=value, got a line without '='", source, line_no));
    auto name = trim(line.substr(0, eq));
    auto value = trim(line.substr(eq + 1));
    if (!valid_name(name))
      throw UsageError(fmt::format("{}:{}: \"{}\" is not a variable name (letters, digits and _, not starting with a digit)",
                                   source, line_no, name));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    out.emplace_back(std::string(name), std::string(value));
  }
  return out;
}

int load_env_file(const std::string& path) {
  int set = 0;
  for (const auto& [name, value] : parse_env_file(read_text_file(path, "--env-file"), path))
    if (std::getenv(name.c_str()) == nullptr && setenv(name.c_str(), value.c_str(), 0) == 0) ++set;
  return set;
}

}  // namespace aria
