#include "model/json.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/files.hpp"
#include "model/builtin.hpp"
#include "model/json_text.hpp"
#include "model/schema.hpp"
#include "model/template.hpp"

namespace aria::model {
namespace embedded {
extern const std::string_view model_schema;  // schemas/model.schema.json
}  // namespace embedded

namespace json = boost::json;

namespace {

constexpr int kMaxJsonDepth = 64;

const json::value& schema() {
  static const json::value parsed = json::parse(embedded::model_schema);
  return parsed;
}

// ---- reading JSON text ----------------------------------------------------------------------

json::value parse_text(std::string_view text, std::string_view source) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw UsageError(fmt::format("{}: is empty; expected a model in JSON", source));
  }
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  json::parser parser(json::storage_ptr(), options);
  boost::system::error_code ec;
  const std::size_t offset = std::min(parser.write(text.data(), text.size(), ec), text.size());
  if (!ec) return parser.release();

  std::size_t line = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  std::string near = "at the end of the text";
  if (offset < text.size()) {
    std::string_view rest = text.substr(offset, 24);
    rest = rest.substr(0, rest.find_first_of("\r\n"));
    near = "at " + json::serialize(json::string(rest));
  }
  throw UsageError(fmt::format("{}:{}:{}: not valid JSON: {} {}", source, line, offset - line_start + 1,
                               ec.message(), near));
}

// ---- small helpers ----------------------------------------------------------------------------

double number(const json::value& v) {
  if (v.is_int64()) return static_cast<double>(v.get_int64());
  if (v.is_uint64()) return static_cast<double>(v.get_uint64());
  return v.get_double();
}

std::string text_of(const json::value& v) { return std::string(v.get_string()); }

const json::value* member(const json::object& o, std::string_view key) { return o.if_contains(key); }

// RFC 6901: empty (the whole document) or "/"-separated tokens, "~" only as "~0" or "~1".
bool is_json_pointer(std::string_view p) {
  if (p.empty()) return true;
  if (p.front() != '/') return false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '~' && (i + 1 == p.size() || (p[i + 1] != '0' && p[i + 1] != '1'))) return false;
  }
  return true;
}

// A header field name is an RFC 9110 token.
bool is_token(std::string_view s) {
  static constexpr std::string_view kSpecials = "!#$%&'*+-.^_`|~";
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           kSpecials.find(c) != std::string_view::npos;
  });
}

bool is_reserved(std::string_view name) { return name == "message" || name == "env"; }

// ---- from JSON to the model, with the checks the schema cannot make -----------------------------

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  Model read(const json::object& root) {
    Model m;
    m.version = static_cast<int>(number(root.at("version")));
    m.name = text_of(root.at("name"));
    if (const auto* d = member(root, "description")) m.description = text_of(*d);
    if (const auto* msgs = member(root, "messages")) {
      for (const auto& s : msgs->get_array()) m.messages.push_back(text_of(s));
    }
    has_messages_ = !m.messages.empty();
    if (const auto* v = member(root, "verbatim")) m.verbatim = v->get_bool();
    const auto& classes = root.at("classes").get_array();
    std::map<std::string, std::size_t> names;  // a verbatim model may have many thousand classes
    for (std::size_t i = 0; i < classes.size(); ++i) {
      const std::string path = json_path_index("classes", i);
      m.classes.push_back(read_class(classes[i].get_object(), path));
      auto [it, fresh] = names.emplace(m.classes.back().name, i);
      if (!fresh) {
        fail(path + ".name", fmt::format("the class name \"{}\" is already used by classes[{}]; class names "
                                         "must be unique",
                                         m.classes.back().name, it->second));
      }
    }
    return m;
  }

 private:
  // The variables a template may use at one point of a class's steps.
  struct Scope {
    std::set<std::string> class_vars;
    std::set<std::string> extracted;  // by on_start, by earlier steps of the same task, ...
  };

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw UsageError(fmt::format("{}: {}: {}", source_, path.empty() ? "(top level)" : path, what));
  }

  UserClass read_class(const json::object& o, const std::string& path) {
    UserClass c;
    c.name = text_of(o.at("name"));
    if (const auto* w = member(o, "weight")) c.weight = number(*w);
    c.think = read_think(o.at("think_time").get_object(), path + ".think_time");
    if (const auto* st = member(o, "start")) c.start_s = number(*st);

    Scope scope;
    if (const auto* vars = member(o, "variables")) {
      for (const auto& v : vars->get_object()) {
        const std::string var_path = json_path_member(path + ".variables", v.key());
        check_variable_name(v.key(), var_path);
        c.variables.emplace(std::string(v.key()), read_generator(v.value().get_object()));
        scope.class_vars.insert(std::string(v.key()));
      }
    }

    // Every variable some step of the class extracts: an undefined placeholder that is among
    // them gets a hint about the order of steps.
    class_extracted_.clear();
    collect_extracted(o, "on_start");
    collect_extracted(o, "on_stop");
    if (const auto* tasks = member(o, "tasks")) {
      for (const auto& t : tasks->get_array()) collect_extracted(t.get_object(), "steps");
    }

    // on_start: in order, each step sees what the ones before it extracted.
    if (const auto* steps = member(o, "on_start")) {
      c.on_start = read_steps(steps->get_array(), path + ".on_start", scope);
    }
    const Scope after_start = scope;

    // Each task: on_start's variables and its own earlier steps'.
    std::set<std::string> task_extracted;
    const auto& tasks = o.at("tasks").get_array();
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      const std::string task_path = json_path_index(path + ".tasks", i);
      const auto& t = tasks[i].get_object();
      Task task;
      task.name = text_of(t.at("name"));
      if (const auto* w = member(t, "weight")) task.weight = number(*w);
      Scope task_scope = after_start;
      task.steps = read_steps(t.at("steps").get_array(), task_path + ".steps", task_scope);
      task_extracted.insert(task_scope.extracted.begin(), task_scope.extracted.end());
      for (std::size_t j = 0; j < c.tasks.size(); ++j) {
        if (c.tasks[j].name == task.name) {
          fail(task_path + ".name", fmt::format("the task name \"{}\" is already used by {}.tasks[{}]; task names "
                                                "must be unique within a class",
                                                task.name, path, j));
        }
      }
      c.tasks.push_back(std::move(task));
    }

    // on_stop: anything on_start or any task extracted (a task may not have run: the replayer
    // reports a missing value then), and its own earlier steps'.
    if (const auto* steps = member(o, "on_stop")) {
      Scope stop_scope = after_start;
      stop_scope.extracted.insert(task_extracted.begin(), task_extracted.end());
      c.on_stop = read_steps(steps->get_array(), path + ".on_stop", stop_scope);
    }
    return c;
  }

  void collect_extracted(const json::object& o, std::string_view key) {
    const auto* steps = member(o, key);
    if (steps == nullptr) return;
    for (const auto& s : steps->get_array()) {
      const auto* extract = member(s.get_object(), "extract");
      if (extract == nullptr) continue;
      for (const auto& e : extract->get_array()) class_extracted_.insert(text_of(e.at("var")));
    }
  }

  void check_variable_name(std::string_view name, const std::string& path) const {
    if (!is_identifier(name)) {
      fail(path, "a variable name is a letter or _ followed by letters, digits or _");
    }
    if (is_reserved(name)) {
      fail(path, fmt::format("\"{}\" is reserved (for {{message}} and {{env.NAME}}); choose another name", name));
    }
  }

  ThinkTime read_think(const json::object& o, const std::string& path) const {
    ThinkTime t;
    const std::string_view kind = o.at("kind").get_string();
    if (kind == "constant") {
      t.kind = ThinkTime::Kind::constant;
      t.min_s = number(o.at("value"));
    } else if (kind == "uniform") {
      t.kind = ThinkTime::Kind::uniform;
      t.min_s = number(o.at("min"));
      t.max_s = number(o.at("max"));
      if (t.max_s < t.min_s) {
        fail(path + ".max", fmt::format("must not be less than min ({}) (got {})", t.min_s, t.max_s));
      }
    } else {
      t.kind = ThinkTime::Kind::empirical;
      const auto& qs = o.at("quantiles").get_array();
      for (std::size_t i = 0; i < qs.size(); ++i) {
        const double q = number(qs[i]);
        if (i > 0 && q < t.quantiles_s.back()) {
          fail(json_path_index(path + ".quantiles", i),
               fmt::format("quantiles must not decrease: must be at least {} (the one before it) (got {})",
                           t.quantiles_s.back(), q));
        }
        t.quantiles_s.push_back(q);
      }
    }
    return t;
  }

  static Generator read_generator(const json::object& o) {
    Generator g;
    const std::string_view kind = o.at("kind").get_string();
    if (kind == "uuid") {
      g.kind = Generator::Kind::uuid;
    } else if (kind == "hex") {
      g.kind = Generator::Kind::hex;
      if (const auto* len = member(o, "length")) g.length = static_cast<int>(number(*len));
    } else {
      g.kind = Generator::Kind::prefix_n;
      g.prefix = text_of(o.at("prefix"));
    }
    return g;
  }

  std::vector<Step> read_steps(const json::array& steps, const std::string& path, Scope& scope) {
    std::vector<Step> out;
    for (std::size_t i = 0; i < steps.size(); ++i) {
      out.push_back(read_step(steps[i].get_object(), json_path_index(path, i), scope));
    }
    return out;
  }

  Step read_step(const json::object& o, const std::string& path, Scope& scope) {
    Step s;
    if (const auto* m = member(o, "method")) s.method = text_of(*m);
    s.path = text_of(o.at("path"));
    check_template(s.path, path + ".path", scope);
    if (const auto* n = member(o, "name")) s.name = text_of(*n);
    if (const auto* q = member(o, "query")) {
      for (const auto& p : q->get_object()) {
        check_template(p.value().get_string(), json_path_member(path + ".query", p.key()), scope);
        s.query.emplace_back(std::string(p.key()), text_of(p.value()));
      }
    }
    if (const auto* h = member(o, "headers")) {
      for (const auto& p : h->get_object()) {
        const std::string header_path = json_path_member(path + ".headers", p.key());
        if (!is_token(p.key())) {
          fail(header_path, "a header name is a token: letters, digits and !#$%&'*+-.^_`|~, no spaces or colons");
        }
        check_template(p.value().get_string(), header_path, scope);
        s.headers.emplace_back(std::string(p.key()), text_of(p.value()));
      }
    }
    const auto* body = member(o, "body");
    const auto* json_body = member(o, "json");
    if (body != nullptr && json_body != nullptr) {
      fail(path + ".json", "a step has a raw \"body\" or a \"json\" body, not both");
    }
    if (body != nullptr) {
      check_template(body->get_string(), path + ".body", scope);
      s.body = text_of(*body);
    }
    if (json_body != nullptr) {
      check_json_templates(*json_body, path + ".json", scope);
      s.body = format_json(*json_body, 0);
      s.body_is_json = true;
    }
    if (const auto* c = member(o, "check")) s.check = read_check(c->get_object(), path + ".check");
    if (const auto* d = member(o, "delay")) s.delay_s = number(*d);
    // Extractions take effect after the request, so the step itself cannot use them.
    if (const auto* e = member(o, "extract")) {
      const auto& list = e->get_array();
      for (std::size_t i = 0; i < list.size(); ++i) {
        s.extract.push_back(read_extraction(list[i].get_object(), json_path_index(path + ".extract", i)));
      }
      for (const auto& x : s.extract) scope.extracted.insert(x.var);
    }
    return s;
  }

  // Placeholders in the string values of a JSON body (keys are literal).
  void check_json_templates(const json::value& v, const std::string& path, const Scope& scope) {
    if (v.is_string()) {
      check_template(v.get_string(), path, scope);
    } else if (v.is_array()) {
      const auto& a = v.get_array();
      for (std::size_t i = 0; i < a.size(); ++i) check_json_templates(a[i], json_path_index(path, i), scope);
    } else if (v.is_object()) {
      for (const auto& m : v.get_object()) check_json_templates(m.value(), json_path_member(path, m.key()), scope);
    }
  }

  void check_template(std::string_view text, const std::string& path, const Scope& scope) const {
    std::vector<TemplatePart> parts;
    try {
      parts = parse_template(text);
    } catch (const TemplateError& e) {
      fail(path, e.what());
    }
    for (const auto& p : parts) {
      if (p.kind == TemplatePart::Kind::message && !has_messages_) {
        fail(path, "{message} draws from the message set, which is empty: add a non-empty \"messages\" list "
                   "at the top level");
      }
      if (p.kind != TemplatePart::Kind::variable) continue;
      if (scope.class_vars.contains(p.text) || scope.extracted.contains(p.text)) continue;
      std::string defined;
      std::set<std::string> names = scope.class_vars;
      names.insert(scope.extracted.begin(), scope.extracted.end());
      for (const auto& n : names) defined += fmt::format("{{{}}}, ", n);
      if (has_messages_) defined += "{message}, ";
      defined += "{env.NAME}";
      std::string hint;
      if (class_extracted_.contains(p.text)) {
        hint = fmt::format("; {{{}}} is extracted only by a later step, another task or on_stop: a step can use "
                           "the class's variables, what on_start extracts and what earlier steps of its own "
                           "task extract",
                           p.text);
      }
      fail(path, fmt::format("unknown placeholder {{{}}}; defined here: {}{}", p.text, defined, hint));
    }
  }

  Check read_check(const json::object& o, const std::string& path) const {
    Check c;
    if (const auto* st = member(o, "status")) {
      for (const auto& v : st->get_array()) c.status.push_back(static_cast<int>(number(v)));
    }
    if (const auto* any = member(o, "json_any")) {
      for (const auto& v : any->get_array()) c.json_any.push_back(text_of(v));
    }
    if (const auto* all = member(o, "json_all")) {
      for (const auto& v : all->get_array()) c.json_all.push_back(text_of(v));
    }
    if (const auto* f = member(o, "json_failure")) c.json_failure = text_of(*f);
    if (const auto* fs = member(o, "failures")) {
      for (const auto& f : fs->get_object()) {
        const std::string_view key = f.key();
        int status = 0;
        const bool digits = key.size() == 3 && std::all_of(key.begin(), key.end(), [](char ch) {
                              return ch >= '0' && ch <= '9';
                            });
        if (digits) status = std::stoi(std::string(key));
        if (!digits || status < 100 || status > 599) {
          fail(json_path_member(path + ".failures", key),
               fmt::format("the key must be an HTTP status from 100 to 599, like \"429\" (got \"{}\")", key));
        }
        c.named_failures.emplace(status, text_of(f.value()));
      }
    }
    return c;
  }

  Extraction read_extraction(const json::object& o, const std::string& path) const {
    Extraction x;
    x.var = text_of(o.at("var"));
    check_variable_name(x.var, path + ".var");
    const std::string_view from = o.at("from").get_string();
    if (from == "json") {
      x.from = Extraction::From::json;
      x.pointer = text_of(o.at("pointer"));
      if (!is_json_pointer(x.pointer)) {
        fail(path + ".pointer",
             fmt::format("not a JSON pointer (RFC 6901) (got \"{}\"): it is empty (the whole body) or starts with "
                         "\"/\", like \"/id\" or \"/items/0/id\", and writes \"~\" as \"~0\" and \"/\" in a name "
                         "as \"~1\"",
                         x.pointer));
      }
    } else if (from == "header") {
      x.from = Extraction::From::header;
      x.header = text_of(o.at("header"));
      if (!is_token(x.header)) fail(path + ".header", "a header name is a token, with no spaces or colons");
    } else {
      x.from = Extraction::From::regex;
      x.pattern = text_of(o.at("pattern"));
      std::size_t groups = 0;
      try {
        groups = std::regex(x.pattern, std::regex::ECMAScript).mark_count();
      } catch (const std::regex_error& e) {
        fail(path + ".pattern", fmt::format("not a valid ECMAScript regular expression: {}", e.what()));
      }
      if (const auto* g = member(o, "group")) {
        x.group = static_cast<int>(number(*g));
        if (static_cast<std::size_t>(x.group) > groups) {
          fail(path + ".group", fmt::format("the pattern has {} capture group{}, so group must be from 0 (the whole "
                                            "match) to {} (got {})",
                                            groups, groups == 1 ? "" : "s", groups, x.group));
        }
      } else if (groups == 0) {
        fail(path + ".pattern", "has no capture group, and group 1 is used when \"group\" is omitted: add a group, "
                                "like \"id=(\\w+)\", or set \"group\": 0 for the whole match");
      }
    }
    return x;
  }

  std::string_view source_;
  bool has_messages_ = false;
  std::set<std::string> class_extracted_;
};

// Checks made before the schema, so that a file of another format or version is named as such
// rather than as a list of unknown fields.
void check_format_and_version(const json::value& doc, std::string_view source) {
  if (!doc.is_object()) return;  // the schema says what it must be
  const auto& root = doc.get_object();
  if (const auto* f = root.if_contains("format"); f != nullptr && *f != json::value(kFormatName)) {
    throw UsageError(fmt::format("{}: format: must be \"{}\" (got {}): this is not an aria-harness model", source,
                                 kFormatName, describe_value(*f)));
  }
  if (const auto* v = root.if_contains("version"); v != nullptr && v->is_number()) {
    const double version = number(*v);
    if (version != kFormatVersion) {
      throw UsageError(fmt::format("{}: version: this aria-harness reads model format version {} (got {}){}", source,
                                   kFormatVersion, format_json(*v, 0),
                                   version > kFormatVersion ? "; the file was written by a newer aria-harness" : ""));
    }
  }
}

// ---- from the model to JSON -------------------------------------------------------------------

// Whole numbers as integers (5, not 5.0), the rest as doubles.
json::value number_value(double d) {
  constexpr double kExact = 9007199254740992.0;  // 2^53
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < kExact) return static_cast<std::int64_t>(d);
  return d;
}

json::object templates_json(const std::vector<std::pair<std::string, std::string>>& pairs) {
  json::object o;
  for (const auto& [k, v] : pairs) o[k] = v;
  return o;
}

json::array strings_json(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::value think_json(const ThinkTime& t) {
  json::object o;
  switch (t.kind) {
    case ThinkTime::Kind::constant:
      o["kind"] = "constant";
      o["value"] = number_value(t.min_s);
      break;
    case ThinkTime::Kind::uniform:
      o["kind"] = "uniform";
      o["min"] = number_value(t.min_s);
      o["max"] = number_value(t.max_s);
      break;
    case ThinkTime::Kind::empirical: {
      o["kind"] = "empirical";
      json::array qs;
      for (double q : t.quantiles_s) qs.push_back(number_value(q));
      o["quantiles"] = std::move(qs);
      break;
    }
  }
  return o;
}

json::value generator_json(const Generator& g) {
  json::object o;
  switch (g.kind) {
    case Generator::Kind::uuid:
      o["kind"] = "uuid";
      break;
    case Generator::Kind::hex:
      o["kind"] = "hex";
      o["length"] = g.length;
      break;
    case Generator::Kind::prefix_n:
      o["kind"] = "prefix-n";
      o["prefix"] = g.prefix;
      break;
  }
  return o;
}

json::value check_json(const Check& c) {
  json::object o;
  if (!c.status.empty()) {
    json::array a;
    for (int s : c.status) a.emplace_back(s);
    o["status"] = std::move(a);
  }
  if (!c.json_any.empty()) o["json_any"] = strings_json(c.json_any);
  if (!c.json_all.empty()) o["json_all"] = strings_json(c.json_all);
  if (!c.json_failure.empty()) o["json_failure"] = c.json_failure;
  if (!c.named_failures.empty()) {
    json::object f;
    for (const auto& [status, message] : c.named_failures) f[std::to_string(status)] = message;
    o["failures"] = std::move(f);
  }
  return o;
}

json::value extraction_json(const Extraction& x) {
  json::object o;
  o["var"] = x.var;
  switch (x.from) {
    case Extraction::From::json:
      o["from"] = "json";
      o["pointer"] = x.pointer;
      break;
    case Extraction::From::header:
      o["from"] = "header";
      o["header"] = x.header;
      break;
    case Extraction::From::regex:
      o["from"] = "regex";
      o["pattern"] = x.pattern;
      o["group"] = x.group;
      break;
  }
  return o;
}

json::value step_json(const Step& s) {
  json::object o;
  o["method"] = s.method;
  o["path"] = s.path;
  if (!s.name.empty()) o["name"] = s.name;
  if (!s.query.empty()) o["query"] = templates_json(s.query);
  if (!s.headers.empty()) o["headers"] = templates_json(s.headers);
  if (s.body && s.body_is_json) {
    boost::system::error_code ec;
    json::value body = json::parse(*s.body, ec);
    if (ec) {
      throw std::invalid_argument(
          fmt::format("step {} {}: body_is_json, but the body is not JSON", s.method, s.path));
    }
    o["json"] = std::move(body);
  } else if (s.body) {
    o["body"] = *s.body;
  }
  if (s.check != Check{}) o["check"] = check_json(s.check);
  if (!s.extract.empty()) {
    json::array a;
    for (const auto& x : s.extract) a.push_back(extraction_json(x));
    o["extract"] = std::move(a);
  }
  if (s.delay_s > 0) o["delay"] = number_value(s.delay_s);
  return o;
}

json::array steps_json(const std::vector<Step>& steps) {
  json::array a;
  for (const auto& s : steps) a.push_back(step_json(s));
  return a;
}

json::value class_json(const UserClass& c) {
  json::object o;
  o["name"] = c.name;
  o["weight"] = number_value(c.weight);
  o["think_time"] = think_json(c.think);
  if (!c.variables.empty()) {
    json::object vars;
    for (const auto& [name, g] : c.variables) vars[name] = generator_json(g);
    o["variables"] = std::move(vars);
  }
  if (!c.on_start.empty()) o["on_start"] = steps_json(c.on_start);
  if (!c.on_stop.empty()) o["on_stop"] = steps_json(c.on_stop);
  json::array tasks;
  for (const auto& t : c.tasks) {
    json::object task;
    task["name"] = t.name;
    task["weight"] = number_value(t.weight);
    task["steps"] = steps_json(t.steps);
    tasks.push_back(std::move(task));
  }
  o["tasks"] = std::move(tasks);
  if (c.start_s > 0) o["start"] = number_value(c.start_s);
  return o;
}

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw UsageError(fmt::format("model file \"{}\" does not exist (a model is a JSON file or one of: builtin:aria)",
                                 path));
  }
  return read_text_file(path, "model file");
}

}  // namespace

std::string_view model_schema_text() { return embedded::model_schema; }

Model parse_model(std::string_view text, std::string_view source) {
  const json::value doc = parse_text(text, source);
  check_format_and_version(doc, source);
  if (auto error = validate(schema(), doc)) {
    throw UsageError(fmt::format("{}: {}", source, error->describe()));
  }
  return Reader(source).read(doc.get_object());
}

std::string to_json(const Model& model) {
  json::object o;
  o["format"] = kFormatName;
  o["version"] = kFormatVersion;
  o["name"] = model.name;
  if (!model.description.empty()) o["description"] = model.description;
  if (model.verbatim) o["verbatim"] = true;
  if (!model.messages.empty()) o["messages"] = strings_json(model.messages);
  json::array classes;
  for (const auto& c : model.classes) classes.push_back(class_json(c));
  o["classes"] = std::move(classes);
  return format_json(o, 2) + "\n";
}

Model load_model(const std::string& spec) {
  if (spec.starts_with("builtin:")) {
    if (spec == "builtin:aria") return builtin_aria();
    std::string known;
    for (auto name : builtin_model_specs()) known += (known.empty() ? "" : ", ") + std::string(name);
    throw UsageError(fmt::format("unknown built-in model \"{}\"; the built-in models are: {}", spec, known));
  }
  return parse_model(read_file(spec), spec);
}

}  // namespace aria::model
