#include "model/schema.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <regex>
#include <stdexcept>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "model/json_text.hpp"
#include "model/template.hpp"

namespace aria::model {
namespace json = boost::json;

namespace {

constexpr int kMaxDepth = 256;  // nested schemas, counting $ref hops: stops reference loops

[[noreturn]] void bad_schema(const std::string& what) {
  throw std::invalid_argument("invalid schema: " + what);
}

bool is_annotation(std::string_view key) {
  return key == "$schema" || key == "$id" || key == "$comment" || key == "title" || key == "description" ||
         key == "default" || key == "examples" || key == "$defs";
}

bool is_supported(std::string_view key) {
  static constexpr std::string_view kKeywords[] = {
      "type",    "properties", "required",         "additionalProperties", "items",     "enum",
      "const",   "minimum",    "exclusiveMinimum", "maximum",              "minItems",  "minLength",
      "pattern", "oneOf",      "$ref"};
  return std::find(std::begin(kKeywords), std::end(kKeywords), key) != std::end(kKeywords);
}

std::optional<double> number_of(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  if (v.is_double()) return v.get_double();
  return std::nullopt;
}

bool is_integer(const json::value& v) {
  if (v.is_int64() || v.is_uint64()) return true;
  return v.is_double() && std::isfinite(v.get_double()) && std::trunc(v.get_double()) == v.get_double();
}

// Equality in the JSON Schema sense: 1 and 1.0 are the same number.
bool json_equal(const json::value& a, const json::value& b) {
  auto na = number_of(a), nb = number_of(b);
  if (na && nb) {
    if (a.is_double() || b.is_double()) return *na == *nb;
    if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
    if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
    const auto& s = a.is_int64() ? a : b;  // one int64, one uint64
    const auto& u = a.is_int64() ? b : a;
    return s.get_int64() >= 0 && static_cast<std::uint64_t>(s.get_int64()) == u.get_uint64();
  }
  if (a.kind() != b.kind()) return false;
  if (a.is_array()) {
    const auto& x = a.get_array();
    const auto& y = b.get_array();
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!json_equal(x[i], y[i])) return false;
    }
    return true;
  }
  if (a.is_object()) {
    const auto& x = a.get_object();
    const auto& y = b.get_object();
    if (x.size() != y.size()) return false;
    for (const auto& m : x) {
      const auto* other = y.if_contains(m.key());
      if (other == nullptr || !json_equal(m.value(), *other)) return false;
    }
    return true;
  }
  return a == b;
}

bool has_type(const json::value& v, std::string_view type) {
  if (type == "null") return v.is_null();
  if (type == "boolean") return v.is_bool();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") return is_integer(v);
  bad_schema(fmt::format("unknown type \"{}\"", type));
}

std::string_view type_phrase(std::string_view type) {
  if (type == "null") return "null";
  if (type == "boolean") return "a boolean";
  if (type == "object") return "an object";
  if (type == "array") return "an array";
  if (type == "string") return "a string";
  if (type == "number") return "a number";
  if (type == "integer") return "an integer";
  return type;
}

// "a number ", "an integer " or "" from the schema's type, to lead a range message.
std::string range_subject(const json::object& schema) {
  const auto* t = schema.if_contains("type");
  if (t != nullptr && t->is_string()) {
    std::string_view type = t->get_string();
    if (type == "number" || type == "integer") return std::string(type_phrase(type)) + " ";
  }
  return "";
}

std::string number_text(const json::value& v) { return format_json(v, 0); }

const json::value& keyword_number(const json::object& schema, std::string_view key) {
  const auto& v = schema.at(key);
  if (!v.is_number()) bad_schema(fmt::format("\"{}\" must be a number", key));
  return v;
}

std::string join_quoted(const json::array& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ", ";
    out += format_json(v, 0);
  }
  return out;
}

std::size_t utf8_length(std::string_view s) {
  return static_cast<std::size_t>(
      std::count_if(s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

class Validator {
 public:
  explicit Validator(const json::value& root) : root_(root) {}

  std::optional<SchemaError> check(const json::value& schema, const json::value& doc, const std::string& path,
                                   int depth) {
    if (depth > kMaxDepth) bad_schema("schemas nest too deeply (a $ref loop?)");
    if (schema.is_bool()) {
      if (schema.get_bool()) return std::nullopt;
      return SchemaError{path, "is not allowed here"};
    }
    if (!schema.is_object()) bad_schema("a schema must be an object or a boolean");
    const auto& s = schema.get_object();
    for (const auto& m : s) {
      if (!is_annotation(m.key()) && !is_supported(m.key())) {
        bad_schema(fmt::format("unsupported keyword \"{}\"", std::string_view(m.key())));
      }
    }

    if (const auto* ref = s.if_contains("$ref")) {
      if (auto e = check(resolve(*ref), doc, path, depth + 1)) return e;
    }
    if (auto e = check_type(s, doc, path)) return e;
    if (auto e = check_values(s, doc, path)) return e;
    if (doc.is_number()) {
      if (auto e = check_range(s, doc, path)) return e;
    }
    if (doc.is_string()) {
      if (auto e = check_string(s, doc.get_string(), path)) return e;
    }
    if (doc.is_array()) {
      if (auto e = check_array(s, doc.get_array(), path, depth)) return e;
    }
    if (doc.is_object()) {
      if (auto e = check_object(s, doc.get_object(), path, depth)) return e;
    }
    if (const auto* one_of = s.if_contains("oneOf")) {
      if (auto e = check_one_of(*one_of, doc, path, depth)) return e;
    }
    return std::nullopt;
  }

 private:
  // A local reference: "#" or "#/json/pointer".
  const json::value& resolve(const json::value& ref) {
    if (!ref.is_string()) bad_schema("$ref must be a string");
    std::string_view text = ref.get_string();
    if (text.empty() || text.front() != '#') {
      bad_schema(fmt::format("$ref \"{}\": only local references (\"#/...\") are supported", text));
    }
    const json::value* at = &root_;
    std::string_view rest = text.substr(1);
    while (!rest.empty()) {
      if (rest.front() != '/') bad_schema(fmt::format("$ref \"{}\" is not a JSON pointer", text));
      rest.remove_prefix(1);
      auto end = rest.find('/');
      std::string token;
      for (std::size_t i = 0; i < std::min(end, rest.size()); ++i) {
        if (rest[i] == '~' && i + 1 < rest.size() && (rest[i + 1] == '0' || rest[i + 1] == '1')) {
          token += rest[i + 1] == '0' ? '~' : '/';
          ++i;
        } else {
          token += rest[i];
        }
      }
      rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
      const json::value* next = nullptr;
      if (at->is_object()) next = at->get_object().if_contains(token);
      if (next == nullptr) bad_schema(fmt::format("$ref \"{}\" does not resolve", text));
      at = next;
    }
    return *at;
  }

  std::optional<SchemaError> check_type(const json::object& s, const json::value& doc, const std::string& path) {
    const auto* type = s.if_contains("type");
    if (type == nullptr) return std::nullopt;
    std::vector<std::string_view> types;
    if (type->is_string()) {
      types.push_back(type->get_string());
    } else if (type->is_array()) {
      for (const auto& t : type->get_array()) {
        if (!t.is_string()) bad_schema("\"type\" must be a string or an array of strings");
        types.push_back(t.get_string());
      }
    } else {
      bad_schema("\"type\" must be a string or an array of strings");
    }
    for (auto t : types) {
      if (has_type(doc, t)) return std::nullopt;
    }
    std::string expected;
    for (std::size_t i = 0; i < types.size(); ++i) {
      if (i > 0) expected += i + 1 == types.size() ? " or " : ", ";
      expected += type_phrase(types[i]);
    }
    return SchemaError{path, fmt::format("must be {} (got {})", expected, describe_value(doc))};
  }

  std::optional<SchemaError> check_values(const json::object& s, const json::value& doc, const std::string& path) {
    if (const auto* c = s.if_contains("const")) {
      if (!json_equal(*c, doc)) {
        return SchemaError{path, fmt::format("must be {} (got {})", format_json(*c, 0), describe_value(doc))};
      }
    }
    if (const auto* e = s.if_contains("enum")) {
      if (!e->is_array()) bad_schema("\"enum\" must be an array");
      const auto& values = e->get_array();
      if (std::none_of(values.begin(), values.end(), [&](const json::value& v) { return json_equal(v, doc); })) {
        return SchemaError{path,
                           fmt::format("must be one of {} (got {})", join_quoted(values), describe_value(doc))};
      }
    }
    return std::nullopt;
  }

  std::optional<SchemaError> check_range(const json::object& s, const json::value& doc, const std::string& path) {
    const double x = *number_of(doc);
    const json::value* min = s.contains("minimum") ? &keyword_number(s, "minimum") : nullptr;
    const json::value* xmin = s.contains("exclusiveMinimum") ? &keyword_number(s, "exclusiveMinimum") : nullptr;
    const json::value* max = s.contains("maximum") ? &keyword_number(s, "maximum") : nullptr;
    const bool ok = (min == nullptr || x >= *number_of(*min)) && (xmin == nullptr || x > *number_of(*xmin)) &&
                    (max == nullptr || x <= *number_of(*max));
    if (ok) return std::nullopt;

    // "a number greater than 0", "an integer from 100 to 599", "at most 10", ...
    const std::string subject = range_subject(s);
    const std::string of = subject.empty() ? "" : "of ";
    std::string bounds;
    if (xmin != nullptr) {
      bounds = "greater than " + number_text(*xmin);
      if (max != nullptr) bounds += " and at most " + number_text(*max);
    } else if (min != nullptr && max != nullptr) {
      bounds = "from " + number_text(*min) + " to " + number_text(*max);
    } else if (min != nullptr) {
      bounds = of + "at least " + number_text(*min);
    } else {
      bounds = of + "at most " + number_text(*max);
    }
    return SchemaError{path, fmt::format("must be {}{} (got {})", subject, bounds, describe_value(doc))};
  }

  std::optional<SchemaError> check_string(const json::object& s, std::string_view text, const std::string& path) {
    if (const auto* min = s.if_contains("minLength")) {
      if (!min->is_number()) bad_schema("\"minLength\" must be a number");
      const double n = *number_of(*min);
      if (static_cast<double>(utf8_length(text)) < n) {
        if (n <= 1) return SchemaError{path, "must not be empty"};
        return SchemaError{path, fmt::format("must be at least {} characters long (got {})", number_text(*min),
                                             describe_value(json::string(text)))};
      }
    }
    if (const auto* p = s.if_contains("pattern")) {
      if (!p->is_string()) bad_schema("\"pattern\" must be a string");
      if (!std::regex_search(text.begin(), text.end(), compiled(p->get_string()))) {
        return SchemaError{path, fmt::format("must match the pattern {} (got {})", format_json(*p, 0),
                                             describe_value(json::string(text)))};
      }
    }
    return std::nullopt;
  }

  std::optional<SchemaError> check_array(const json::object& s, const json::array& doc, const std::string& path,
                                         int depth) {
    if (const auto* min = s.if_contains("minItems")) {
      if (!min->is_number()) bad_schema("\"minItems\" must be a number");
      const double n = *number_of(*min);
      if (static_cast<double>(doc.size()) < n) {
        return SchemaError{path, fmt::format("must have at least {} item{} (got {})", number_text(*min),
                                             n == 1 ? "" : "s", doc.empty() ? "none" : std::to_string(doc.size()))};
      }
    }
    if (const auto* items = s.if_contains("items")) {
      if (items->is_array()) bad_schema("\"items\" must be one schema (the array form is not supported)");
      for (std::size_t i = 0; i < doc.size(); ++i) {
        if (auto e = check(*items, doc[i], json_path_index(path, i), depth + 1)) return e;
      }
    }
    return std::nullopt;
  }

  std::optional<SchemaError> check_object(const json::object& s, const json::object& doc, const std::string& path,
                                          int depth) {
    const json::object* properties = nullptr;
    if (const auto* p = s.if_contains("properties")) {
      if (!p->is_object()) bad_schema("\"properties\" must be an object");
      properties = &p->get_object();
    }
    const json::value* additional = s.if_contains("additionalProperties");
    // Members in document order, so the first error is the first one a reader meets.
    for (const auto& m : doc) {
      const std::string member_path = json_path_member(path, m.key());
      const json::value* sub = properties != nullptr ? properties->if_contains(m.key()) : nullptr;
      if (sub != nullptr) {
        if (auto e = check(*sub, m.value(), member_path, depth + 1)) return e;
      } else if (additional != nullptr) {
        if (additional->is_bool() && !additional->get_bool()) {
          return SchemaError{member_path, unknown_field_message(properties)};
        }
        if (auto e = check(*additional, m.value(), member_path, depth + 1)) return e;
      }
    }
    if (const auto* required = s.if_contains("required")) {
      if (!required->is_array()) bad_schema("\"required\" must be an array of strings");
      for (const auto& name : required->get_array()) {
        if (!name.is_string()) bad_schema("\"required\" must be an array of strings");
        if (!doc.contains(name.get_string())) {
          return SchemaError{json_path_member(path, name.get_string()), "required field is missing"};
        }
      }
    }
    return std::nullopt;
  }

  static std::string unknown_field_message(const json::object* properties) {
    if (properties == nullptr || properties->empty()) return "unknown field; no fields are allowed here";
    std::string allowed;
    for (const auto& p : *properties) {
      if (!allowed.empty()) allowed += ", ";
      allowed += p.key();
    }
    return "unknown field; allowed fields: " + allowed;
  }

  std::optional<SchemaError> check_one_of(const json::value& one_of, const json::value& doc,
                                          const std::string& path, int depth) {
    if (!one_of.is_array() || one_of.get_array().empty()) bad_schema("\"oneOf\" must be a non-empty array");
    const auto& branches = one_of.get_array();
    std::vector<std::optional<SchemaError>> results;
    std::size_t matches = 0;
    for (const auto& branch : branches) {
      results.push_back(check(branch, doc, path, depth + 1));
      if (!results.back()) ++matches;
    }
    if (matches == 1) return std::nullopt;
    if (matches > 1) {
      return SchemaError{path, fmt::format("matches {} of the allowed forms; it must match exactly one", matches)};
    }
    if (auto e = discriminated_error(branches, results, doc, path)) return e;

    // All branches failed the same way (e.g. "must be an object"), or one got furthest.
    const auto& first = *results.front();
    if (std::all_of(results.begin(), results.end(), [&](const auto& r) {
          return r->path == first.path && r->message == first.message;
        })) {
      return first;
    }
    std::size_t deepest = 0;
    std::size_t count_deepest = 0;
    for (std::size_t i = 0; i < results.size(); ++i) {
      const auto len = results[i]->path.size();
      if (len > results[deepest]->path.size()) {
        deepest = i;
        count_deepest = 1;
      } else if (len == results[deepest]->path.size()) {
        ++count_deepest;
      }
    }
    if (count_deepest == 1 && results[deepest]->path.size() > path.size()) return results[deepest];
    std::string all;
    for (const auto& r : results) {
      if (!all.empty()) all += "; or ";
      all += r->describe();
    }
    return SchemaError{path, "matches none of the allowed forms: " + all};
  }

  // Follows $ref hops to the object schema of a oneOf branch.
  const json::object* branch_object(const json::value& branch) {
    const json::value* at = &branch;
    for (int hops = 0; hops < kMaxDepth && at->is_object(); ++hops) {
      const auto* ref = at->get_object().if_contains("$ref");
      if (ref == nullptr) return &at->get_object();
      at = &resolve(*ref);
    }
    return nullptr;
  }

  // When every branch fixes one member with "const" (like "kind"), the document's value of that
  // member says which branch it meant: report that branch's error, or the member's own.
  std::optional<SchemaError> discriminated_error(const json::array& branches,
                                                 const std::vector<std::optional<SchemaError>>& results,
                                                 const json::value& doc, const std::string& path) {
    if (!doc.is_object()) return std::nullopt;
    std::vector<const json::object*> props;
    for (const auto& b : branches) {
      const auto* obj = branch_object(b);
      const auto* p = obj != nullptr ? obj->if_contains("properties") : nullptr;
      if (p == nullptr || !p->is_object()) return std::nullopt;
      props.push_back(&p->get_object());
    }
    for (const auto& candidate : *props.front()) {
      const auto& key = candidate.key();
      json::array values;
      for (const auto* p : props) {
        const auto* sub = p->if_contains(key);
        const auto* c = sub != nullptr && sub->is_object() ? sub->get_object().if_contains("const") : nullptr;
        if (c == nullptr) break;
        values.push_back(*c);
      }
      if (values.size() != props.size()) continue;

      const std::string key_path = json_path_member(path, key);
      const auto* actual = doc.get_object().if_contains(key);
      if (actual == nullptr) {
        return SchemaError{key_path, fmt::format("required field is missing; one of {}", join_quoted(values))};
      }
      for (std::size_t i = 0; i < values.size(); ++i) {
        if (json_equal(values[i], *actual)) return results[i];
      }
      return SchemaError{key_path,
                         fmt::format("must be one of {} (got {})", join_quoted(values), describe_value(*actual))};
    }
    return std::nullopt;
  }

  const std::regex& compiled(std::string_view pattern) {
    std::string key(pattern);
    auto it = regexes_.find(key);
    if (it == regexes_.end()) {
      try {
        it = regexes_.emplace(key, std::regex(key, std::regex::ECMAScript)).first;
      } catch (const std::regex_error& e) {
        bad_schema(fmt::format("pattern \"{}\" does not compile: {}", key, e.what()));
      }
    }
    return it->second;
  }

  const json::value& root_;
  std::map<std::string, std::regex> regexes_;
};

}  // namespace

std::string SchemaError::describe() const {
  return fmt::format("{}: {}", path.empty() ? "(top level)" : path, message);
}

std::optional<SchemaError> validate(const json::value& schema, const json::value& doc) {
  Validator v(schema);
  return v.check(schema, doc, "", 0);
}

std::string json_path_member(std::string_view parent, std::string_view name) {
  if (!is_identifier(name)) return fmt::format("{}[{}]", parent, json::serialize(json::string(name)));
  if (parent.empty()) return std::string(name);
  return fmt::format("{}.{}", parent, name);
}

std::string json_path_index(std::string_view parent, std::size_t index) {
  return fmt::format("{}[{}]", parent, index);
}

std::string describe_value(const json::value& v) {
  constexpr std::size_t kMaxChars = 60;
  switch (v.kind()) {
    case json::kind::object:
      return v.get_object().empty() ? "an empty object" : "an object";
    case json::kind::array:
      return v.get_array().empty() ? "an empty array" : "an array";
    case json::kind::string: {
      std::string_view s = v.get_string();
      if (s.size() <= kMaxChars) return json::serialize(json::string(s));
      std::size_t cut = kMaxChars;
      while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
      return json::serialize(json::string(s.substr(0, cut))) + "...";
    }
    default:
      return format_json(v, 0);
  }
}

}  // namespace aria::model
