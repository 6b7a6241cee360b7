// The shapes of identifiers and paths in recorded traffic: what makes a path segment or a value an id
// that varies per visitor or session, and what generator makes more of the same shape.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aria::model {

struct ValueShape {
  enum class Kind {
    none,      // an ordinary word: "health", "dashboard", "search"
    uuid,      // 8-4-4-4-12 hex digits
    number,    // decimal digits only
    hex,       // 8 or more hex digits, at least one of them a digit
    prefixed,  // letters ending in '-' or '_', a number, optionally more: "load-test-12-k3x9"
    token,     // 16 or more letters, digits, '-' and '_', with letters and digits both
  };
  Kind kind = Kind::none;
  std::string prefix;  // prefixed: "load-test-"
  int length = 0;      // hex and token: the number of characters

  bool is_id() const { return kind != Kind::none; }
};

ValueShape shape_of(std::string_view value);

// The non-empty segments of a path: "/api//sessions/x" -> {"api", "sessions", "x"}.
std::vector<std::string_view> path_segments(std::string_view path);

// "[redacted:0123456789abcdef]", as the recorder writes a secret.
bool is_redaction_marker(std::string_view value);

}  // namespace aria::model
