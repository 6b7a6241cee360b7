#include "model/synthesize.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/errors.hpp"
#include "core/text.hpp"
#include "model/json.hpp"
#include "model/shapes.hpp"

namespace aria::model {
namespace json = boost::json;

namespace {

constexpr std::size_t kHighCardinality = 50;  // more distinct words than this under one node: a variable
constexpr std::size_t kMaxMessages = 1000;    // recorded chat messages kept beyond the profile's
constexpr int kThinkQuantiles = 21;           // 0 %, 5 %, ..., 100 %
constexpr double kOpenCloseShare = 0.8;       // of a class's sessions: how often an opening step must lead
constexpr std::size_t kFewSessions = 3;       // below this, opening and closing steps go by method alone

// Rounded to `digits` decimals, so that the model file shows 0.7353, not 0.7352999999999999.
double round_to(double v, int digits) {
  const double scale = std::pow(10.0, digits);
  return std::round(v * scale) / scale;
}


// Braces in recorded text are literal in a template.
std::string escape_braces(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    out += c;
    if (c == '{' || c == '}') out += c;
  }
  return out;
}

// A variable name from a word: "sessions" -> "session", "agent-id" -> "agent_id".
std::string identifier(std::string_view word) {
  std::string out;
  for (char c : word) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') out += static_cast<char>(c - 'A' + 'a');
    else if (alnum) out += c;
    else if (!out.empty() && out.back() != '_') out += '_';
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "v" + out;
  return out;
}

std::string singular(std::string word) {
  if (word.size() > 4 && word.ends_with("ies")) return word.substr(0, word.size() - 3) + "y";
  if (word.size() > 3 && word.ends_with('s') && !word.ends_with("ss")) word.pop_back();
  return word;
}

std::string env_name(std::string_view name) {
  std::string out;
  for (char c : identifier(name)) out += static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

// "UsersUser" would be odd: "/reports/x" -> "ReportsUser", "/api/reports" -> "ApiReportsUser".
std::string class_name_for_family(std::string_view family) {
  std::string out;
  bool upper = true;
  for (char c : family) {
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    if (!alnum) {
      upper = true;
      continue;
    }
    out += upper && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    upper = false;
  }
  return (out.empty() ? std::string("Root") : out) + "User";
}

// The route family of a path: its first segment, or its first two under /api.
std::string family_of(std::string_view path) {
  auto segs = path_segments(path);
  if (segs.empty()) return "/";
  std::string f = "/" + std::string(segs[0]);
  if (segs[0] == "api" && segs.size() > 1 && !shape_of(segs[1]).is_id()) f += "/" + std::string(segs[1]);
  return f;
}

std::vector<std::pair<std::string, std::string>> parse_header_pairs(std::string_view text) {
  std::vector<std::pair<std::string, std::string>> out;
  boost::system::error_code ec;
  auto v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& h : v.as_array()) {
    if (!h.is_array() || h.as_array().size() != 2 || !h.as_array()[0].is_string() || !h.as_array()[1].is_string())
      continue;
    out.emplace_back(std::string(h.as_array()[0].as_string()), std::string(h.as_array()[1].as_string()));
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

// Request headers a model keeps: credentials (as environment variables) and the system's own
// X- headers; not the transport's, the browser's or the proxies'.
bool header_worth_keeping(std::string_view name) {
  static const char* const kSkip[] = {"host", "content-length", "content-type", "connection", "user-agent", "accept",
                                      "accept-encoding", "accept-language", "x-forwarded-for", "x-forwarded-proto",
                                      "x-forwarded-host", "x-request-id", "x-correlation-id", "x-real-ip",
                                      "upgrade", "sec-websocket-key", "sec-websocket-version", "te"};
  for (auto* s : kSkip)
    if (iequals(name, s)) return false;
  if (iequals(name, "authorization") || iequals(name, "cookie") || iequals(name, "proxy-authorization")) return true;
  return name.size() > 2 && (name[0] == 'x' || name[0] == 'X') && name[1] == '-';
}

std::vector<std::pair<std::string, std::string>> split_query(std::string_view q) {
  std::vector<std::pair<std::string, std::string>> out;
  std::size_t i = 0;
  while (i < q.size()) {
    auto amp = q.find('&', i);
    if (amp == std::string_view::npos) amp = q.size();
    auto pair = q.substr(i, amp - i);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      if (eq == std::string_view::npos) out.emplace_back(std::string(pair), std::string());
      else out.emplace_back(std::string(pair.substr(0, eq)), std::string(pair.substr(eq + 1)));
    }
    i = amp + 1;
  }
  return out;
}

// %XX and '+' decoded; anything malformed is left as it is.
std::string url_decode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<json::value> parse_json_body(std::string_view body) {
  auto first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || (body[first] != '{' && body[first] != '[')) return std::nullopt;
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) return std::nullopt;
  return v;
}

std::string pointer_token(std::string_view key) {
  std::string out;
  for (char c : key) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

// Calls f(pointer, last member name, value) for every scalar in a JSON value.
template <class F>
void for_each_scalar(const json::value& v, const std::string& pointer, std::string_view name, F&& f) {
  if (v.is_object()) {
    for (const auto& [k, child] : v.as_object())
      for_each_scalar(child, pointer + "/" + pointer_token(k), std::string_view(k), f);
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    for (std::size_t i = 0; i < a.size(); ++i) for_each_scalar(a[i], pointer + "/" + std::to_string(i), name, f);
  } else {
    f(pointer, name, v);
  }
}

std::string scalar_text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  if (v.is_uint64()) return std::to_string(v.as_uint64());
  return {};
}

// A JSON pointer in a value whose scalar equals `text`, or "".
std::string find_pointer(const json::value& v, std::string_view text) {
  std::string found;
  for_each_scalar(v, "", "", [&](const std::string& p, std::string_view, const json::value& s) {
    if (found.empty() && scalar_text(s) == text) found = p;
  });
  return found;
}

// ---------------------------------------------------------------------------------------------
// Path templates

struct PathTemplate {
  std::string method;
  std::vector<std::string> segments;    // literal segments; "" where a variable is
  std::vector<std::string> slot_names;  // the default variable name of each variable segment
  std::string stats_name;               // "/api/sessions/[id]/history"
  std::string key;                      // "GET /api/sessions/[id]/history"
};

// ---------------------------------------------------------------------------------------------
// Per class

struct Occurrence {      // a value a request sent where a variable may go
  std::string slot;      // "path:1", "query:q", "body:/session_id"
  std::string value;
  std::string name;      // the default variable name for it
};

struct ExtractionSource {
  std::size_t tid = 0;
  bool header = false;
  std::string where;  // JSON pointer or header name
  auto operator<=>(const ExtractionSource&) const = default;
};

struct GeneratedShape {
  ValueShape::Kind kind = ValueShape::Kind::none;
  std::string prefix;
  int length = 0;
  auto operator<=>(const GeneratedShape&) const = default;
};

// A per-user generator that makes values of this shape; none for plain numbers and words, which
// are then replayed as recorded.
std::optional<Generator> generator_for(const GeneratedShape& shape) {
  Generator g;
  switch (shape.kind) {
    case ValueShape::Kind::uuid: g.kind = Generator::Kind::uuid; return g;
    case ValueShape::Kind::hex:
    case ValueShape::Kind::token:
      g.kind = Generator::Kind::hex;
      g.length = std::max(shape.length, 8);
      return g;
    case ValueShape::Kind::prefixed:
      g.kind = Generator::Kind::prefix_n;
      g.prefix = shape.prefix;
      return g;
    default: return std::nullopt;
  }
}

// What a class does with one template: the first request of it, with its slots, is the exemplar.
struct StepExemplar {
  std::string query_raw;
  std::vector<std::pair<std::string, std::string>> headers;  // worth keeping, as recorded
  std::optional<json::value> json_body;
  std::string raw_body;  // when not JSON
  std::map<std::string, std::string> slot_values;  // slot -> the value recorded there
  bool set = false;
  bool success = false;
};

struct TemplateUse {
  std::int64_t requests = 0;
  std::map<int, std::int64_t> statuses;
  std::map<std::string, std::map<std::string, std::int64_t>> slot_names;  // slot -> var name -> votes
  StepExemplar exemplar;
};

struct SessionTrace {
  struct Item {
    std::size_t tid;
    std::int64_t start_us, end_us;
  };
  std::vector<Item> items;
};

struct ClassAcc {
  std::string name;
  bool from_profile = true;
  std::int64_t visitors = 0, requests = 0;
  std::map<std::size_t, TemplateUse> uses;  // tid -> use
  std::vector<SessionTrace> sessions;
  std::map<std::string, std::map<GeneratedShape, std::int64_t>> generated;     // var -> shape votes
  std::map<std::string, std::map<ExtractionSource, std::int64_t>> extracted;  // var -> source votes
};

struct Origin {
  bool from_response = false;
  std::string var;
  ExtractionSource source;
  GeneratedShape shape;
};

}  // namespace

struct Synthesizer::Impl {
  SynthesisOptions options;
  // Pass 1
  std::unordered_set<std::string> paths;  // distinct "METHOD path"
  bool prepared = false;
  std::set<std::string> variable_nodes;   // templated prefixes whose children are all variables
  // Templates
  std::vector<PathTemplate> templates;
  std::unordered_map<std::string, std::size_t> template_by_key;
  std::unordered_map<std::string, std::size_t> template_by_path;  // "METHOD path" -> tid
  // Pass 2
  std::vector<ClassAcc> classes;
  std::map<std::string, std::size_t> class_by_name;
  std::vector<std::string> messages;
  std::unordered_set<std::string> message_seen;
  SynthesisSummary summary;
  std::vector<UserClass> verbatim_classes;  // --verbatim: one per session
  std::set<std::string> verbatim_env;

  explicit Impl(SynthesisOptions o) : options(std::move(o)) {
    for (const auto& m : options.profile.messages)
      if (message_seen.insert(m).second) messages.push_back(m);
  }

  static std::string prefix_key(const std::vector<std::string_view>& segs, std::size_t n) {
    std::string key;
    for (std::size_t i = 0; i < n; ++i) key += "/" + std::string(shape_of(segs[i]).is_id() ? "{}" : segs[i]);
    return key;
  }

  void prepare() {
    if (prepared) return;
    prepared = true;
    std::map<std::string, std::set<std::string_view>> children;  // prefix -> distinct ordinary words
    for (const auto& mp : paths) {
      auto segs = path_segments(std::string_view(mp).substr(mp.find(' ') + 1));
      for (std::size_t i = 0; i < segs.size(); ++i)
        if (!shape_of(segs[i]).is_id()) children[prefix_key(segs, i)].insert(segs[i]);
    }
    for (const auto& [prefix, words] : children)
      if (words.size() > kHighCardinality) variable_nodes.insert(prefix);
  }

  std::size_t template_of(std::string_view method, std::string_view path) {
    std::string key_in = std::string(method) + " " + std::string(path);
    if (auto it = template_by_path.find(key_in); it != template_by_path.end()) return it->second;
    auto segs = path_segments(path);
    PathTemplate t;
    t.method = std::string(method);
    std::set<std::string> used;
    std::string stats;
    for (std::size_t i = 0; i < segs.size(); ++i) {
      const bool var = shape_of(segs[i]).is_id() || variable_nodes.count(prefix_key(segs, i)) > 0;
      if (!var) {
        t.segments.emplace_back(segs[i]);
        stats += "/" + std::string(segs[i]);
        continue;
      }
      t.segments.emplace_back();
      std::string base = "id";
      for (std::size_t k = i; k-- > 0;)
        if (!t.segments[k].empty()) {
          base = singular(identifier(t.segments[k])) + "_id";
          break;
        }
      std::string name = base;
      for (int n = 2; used.count(name); ++n) name = fmt::format("{}_{}", base, n);
      used.insert(name);
      t.slot_names.push_back(name);
      stats += "/[id]";
    }
    if (stats.empty()) stats = "/";
    t.stats_name = stats;
    t.key = t.method + " " + stats;
    std::size_t tid;
    if (auto it = template_by_key.find(t.key); it != template_by_key.end()) {
      tid = it->second;
    } else {
      tid = templates.size();
      template_by_key.emplace(t.key, tid);
      templates.push_back(std::move(t));
    }
    template_by_path.emplace(std::move(key_in), tid);
    return tid;
  }

  // The class a visitor belongs to: the profile class most of its requests match (each request
  // counts for the first class it matches), else the family most of its requests are in.
  std::size_t class_for(std::span<const store::ExchangeRow> rows) {
    std::vector<std::int64_t> counts(options.profile.classes.size(), 0);
    std::map<std::string, std::int64_t> families;
    for (const auto& r : rows) {
      bool matched = false;
      for (std::size_t c = 0; c < options.profile.classes.size() && !matched; ++c)
        for (const auto& p : options.profile.classes[c].routes)
          if (p.matches(r.method, r.path)) {
            ++counts[c];
            matched = true;
            break;
          }
      if (!matched) ++families[family_of(r.path)];
    }
    std::string name;
    bool from_profile = false;
    auto best = std::max_element(counts.begin(), counts.end());
    if (best != counts.end() && *best > 0) {
      name = options.profile.classes[static_cast<std::size_t>(best - counts.begin())].name;
      from_profile = true;
    } else {
      auto top = std::max_element(families.begin(), families.end(),
                                  [](const auto& a, const auto& b) { return a.second < b.second; });
      name = class_name_for_family(top == families.end() ? "/" : top->first);
    }
    auto [it, fresh] = class_by_name.emplace(name, classes.size());
    if (fresh) {
      ClassAcc c;
      c.name = name;
      c.from_profile = from_profile;
      classes.push_back(std::move(c));
    }
    return it->second;
  }

  bool is_message_field(std::string_view name) const {
    return std::any_of(options.profile.message_fields.begin(), options.profile.message_fields.end(),
                       [&](const std::string& f) { return iequals(f, name); });
  }

  void add_message(std::string_view text) {
    if (text.empty() || is_redaction_marker(text) || messages.size() >= options.profile.messages.size() + kMaxMessages)
      return;
    std::string m(text);
    if (message_seen.insert(m).second) messages.push_back(std::move(m));
  }

  // The values a request sent where a variable may go.
  std::vector<Occurrence> occurrences(const store::ExchangeRow& r, const PathTemplate& t,
                                      const std::optional<json::value>& body) {
    std::vector<Occurrence> out;
    auto segs = path_segments(r.path);
    std::size_t slot = 0;
    for (std::size_t i = 0; i < segs.size() && i < t.segments.size(); ++i)
      if (t.segments[i].empty()) {
        out.push_back({fmt::format("path:{}", i), std::string(segs[i]), t.slot_names[slot++]});
      }
    for (const auto& [k, v] : split_query(r.query)) {
      auto value = url_decode(v);
      if (shape_of(value).is_id()) out.push_back({"query:" + k, value, identifier(k)});
    }
    if (body) {
      for_each_scalar(*body, "", "", [&](const std::string& p, std::string_view name, const json::value& v) {
        std::string text;
        if (v.is_string()) text = std::string(v.as_string());
        else if ((v.is_int64() || v.is_uint64()) && identifier(name).ends_with("id")) text = scalar_text(v);
        if (!text.empty() && shape_of(text).is_id() && !is_message_field(name))
          out.push_back({"body:" + p, text, identifier(name.empty() ? "value" : name)});
      });
    }
    return out;
  }

  struct Found {
    std::size_t step = 0;  // index in the session
    bool header = false;
    std::string where;     // header name or JSON pointer
  };
  // A session's responses, each parsed (headers, JSON body) at most once, when first searched.
  class Responses {
   public:
    explicit Responses(std::span<const store::ExchangeRow* const> session)
        : session_(session), headers_(session.size()), bodies_(session.size()) {}
    // The first response before exchange k that holds `value`: a header equal to it, or a
    // scalar of its JSON body.
    std::optional<Found> find(std::size_t k, std::string_view value) {
      for (std::size_t j = 0; j < k; ++j) {
        const auto& prev = *session_[j];
        if (!headers_[j]) headers_[j] = parse_header_pairs(prev.response_headers);
        for (const auto& [name, v] : *headers_[j])
          if (v == value && !iequals(name, "x-correlation-id")) return Found{j, true, name};
        if (prev.response_body.find(value) == std::string::npos) continue;
        if (!bodies_[j]) bodies_[j] = parse_json_body(prev.response_body);
        if (!*bodies_[j]) continue;
        auto pointer = find_pointer(**bodies_[j], value);
        if (!pointer.empty()) return Found{j, false, pointer};
      }
      return std::nullopt;
    }

   private:
    std::span<const store::ExchangeRow* const> session_;
    std::vector<std::optional<std::vector<std::pair<std::string, std::string>>>> headers_;
    std::vector<std::optional<std::optional<json::value>>> bodies_;  // outer: parsed yet; inner: JSON
  };

  void add_session(ClassAcc& cls, std::span<const store::ExchangeRow* const> session) {
    SessionTrace trace;
    std::unordered_map<std::string, Origin> origins;  // value -> where it came from
    std::vector<std::size_t> tids;
    Responses responses(session);
    for (std::size_t k = 0; k < session.size(); ++k) {
      const auto& r = *session[k];
      const std::size_t tid = template_of(r.method, r.path);
      tids.push_back(tid);
      const auto& t = templates[tid];
      auto& use = cls.uses[tid];
      ++use.requests;
      ++cls.requests;
      if (r.status) ++use.statuses[static_cast<int>(*r.status)];
      const std::int64_t end = r.started_us + std::max<std::int64_t>(r.total_us.value_or(0), 0);
      trace.items.push_back({tid, r.started_us, end});

      std::optional<json::value> body;
      if (!r.request_body.empty() && !r.request_body_truncated) body = parse_json_body(r.request_body);
      if (body)
        for_each_scalar(*body, "", "", [&](const std::string&, std::string_view name, const json::value& v) {
          if (v.is_string() && is_message_field(name)) add_message(v.as_string());
        });
      auto occ = occurrences(r, t, body);
      for (const auto& o : occ) {
        auto it = origins.find(o.value);
        if (it == origins.end()) {
          Origin origin;
          origin.var = o.name;
          // Sent back after the system handed it out? Look in this session's earlier responses.
          if (auto found = responses.find(k, o.value)) {
            origin.from_response = true;
            origin.source = {tids[found->step], found->header, found->where};
          }
          if (!origin.from_response) {
            auto s = shape_of(o.value);
            origin.shape = {s.kind, s.prefix, s.length};
          }
          it = origins.emplace(o.value, std::move(origin)).first;
        }
        const auto& origin = it->second;
        ++use.slot_names[o.slot][origin.var];
        if (origin.from_response) ++cls.extracted[origin.var][origin.source];
        else ++cls.generated[origin.var][origin.shape];
      }
      // The class's first successful request of a template (else its first) is its exemplar.
      const bool success = r.status && *r.status < 400;
      if (!use.exemplar.set || (success && !use.exemplar.success)) {
        StepExemplar ex;
        ex.set = true;
        ex.success = success;
        ex.query_raw = r.query;
        for (auto& [name, value] : parse_header_pairs(r.request_headers))
          if (header_worth_keeping(name) && valid_utf8(value)) ex.headers.emplace_back(std::move(name), std::move(value));
        if (body) ex.json_body = std::move(body);
        else ex.raw_body = r.request_body;
        for (const auto& o : occ) ex.slot_values[o.slot] = o.value;
        use.exemplar = std::move(ex);
      }
    }
    cls.sessions.push_back(std::move(trace));
    ++summary.sessions;
  }

  // A verbatim session: one class, its one task the session's requests in order, each after its
  // recorded gap, with the values the system handed out extracted and the made-up ones generated.
  void add_verbatim_session(std::span<const store::ExchangeRow* const> session) {
    UserClass c;
    c.name = fmt::format("session-{}", verbatim_classes.size() + 1);
    c.think.kind = ThinkTime::Kind::constant;
    c.start_s = static_cast<double>(session.front()->started_us);  // made relative in finish()
    Task task;
    task.name = "recorded";
    struct Known {
      std::string var;  // "" when the value is replayed as recorded
    };
    std::unordered_map<std::string, Known> known;
    std::set<std::string> names;
    Responses responses(session);
    std::set<std::string> env;
    std::int64_t previous_end = session.front()->started_us;
    for (std::size_t k = 0; k < session.size(); ++k) {
      const auto& r = *session[k];
      const std::size_t tid = template_of(r.method, r.path);
      std::optional<json::value> body;
      if (!r.request_body.empty() && !r.request_body_truncated) body = parse_json_body(r.request_body);
      auto occ = occurrences(r, templates[tid], body);
      std::map<std::string, std::string> slot_var;
      for (const auto& o : occ) {
        auto it = known.find(o.value);
        if (it == known.end()) {
          std::string name = o.name;
          for (int n = 2; names.count(name); ++n) name = fmt::format("{}_{}", o.name, n);
          Known kv;
          if (auto found = responses.find(k, o.value)) {
            kv.var = name;
            Extraction e;
            e.var = name;
            if (found->header) {
              e.from = Extraction::From::header;
              e.header = found->where;
            } else {
              e.pointer = found->where;
            }
            task.steps[found->step].extract.push_back(e);
          } else {
            const auto shape = shape_of(o.value);
            if (auto g = generator_for({shape.kind, shape.prefix, shape.length})) {
              kv.var = name;
              c.variables[name] = *g;
            }
          }
          if (!kv.var.empty()) names.insert(kv.var);
          it = known.emplace(o.value, std::move(kv)).first;
        }
        if (!it->second.var.empty()) slot_var[o.slot] = it->second.var;
      }
      TemplateUse use;
      use.requests = 1;
      if (r.status) use.statuses[static_cast<int>(*r.status)] = 1;
      use.exemplar.set = true;
      use.exemplar.query_raw = r.query;
      for (auto& [name, value] : parse_header_pairs(r.request_headers))
        if (header_worth_keeping(name) && valid_utf8(value))
          use.exemplar.headers.emplace_back(std::move(name), std::move(value));
      if (body) use.exemplar.json_body = std::move(body);
      else use.exemplar.raw_body = r.request_body;
      for (const auto& o : occ) use.exemplar.slot_values[o.slot] = o.value;
      Step step = build_step(tid, use, slot_var, env, true);
      step.delay_s = k == 0 ? 0 : round_to(static_cast<double>(std::max<std::int64_t>(r.started_us - previous_end, 0)) / 1e6, 3);
      previous_end = std::max(previous_end, r.started_us + std::max<std::int64_t>(r.total_us.value_or(0), 0));
      task.steps.push_back(std::move(step));
    }
    c.tasks.push_back(std::move(task));
    for (const auto& e : env) verbatim_env.insert(e);
    verbatim_classes.push_back(std::move(c));
    ++summary.sessions;
  }

  void add_visitor(std::span<const store::ExchangeRow> rows) {
    prepare();
    std::vector<const store::ExchangeRow*> usable;
    for (const auto& r : rows) {
      ++summary.exchanges;
      if (r.status && *r.status == 101) {
        ++summary.websocket;
        continue;
      }
      if (!r.status) {
        ++summary.without_response;
        continue;
      }
      if (!valid_utf8(r.method) || !valid_utf8(r.path) || !valid_utf8(r.query)) {  // a model is JSON text
        ++summary.not_text;
        continue;
      }
      usable.push_back(&r);
    }
    if (usable.empty()) return;
    std::stable_sort(usable.begin(), usable.end(),
                     [](const auto* a, const auto* b) { return a->started_us < b->started_us; });
    ++summary.visitors;
    summary.used += static_cast<std::int64_t>(usable.size());
    ClassAcc* cls = nullptr;
    if (!options.verbatim) {
      cls = &classes[class_for(rows)];
      ++cls->visitors;
    }
    auto session_done = [&](std::span<const store::ExchangeRow* const> session) {
      if (cls) add_session(*cls, session);
      else add_verbatim_session(session);
    };
    // Sessions end where the visitor was idle longer than the gap.
    std::size_t begin = 0;
    std::int64_t last_end = usable[0]->started_us;
    for (std::size_t i = 0; i < usable.size(); ++i) {
      const auto* r = usable[i];
      if (i > begin && r->started_us - last_end > options.session_gap.count()) {
        session_done(std::span<const store::ExchangeRow* const>(usable.data() + begin, i - begin));
        begin = i;
      }
      last_end = std::max(last_end, r->started_us + std::max<std::int64_t>(r->total_us.value_or(0), 0));
    }
    session_done(std::span<const store::ExchangeRow* const>(usable.data() + begin, usable.size() - begin));
  }

  Synthesis finish();
  UserClass build_class(ClassAcc& acc, ClassSummary& cs);
  // verbatim: chat text stays as recorded, and the recorded status is the one expected.
  Step build_step(std::size_t tid, const TemplateUse& use, const std::map<std::string, std::string>& slot_var,
                  std::set<std::string>& env, bool verbatim = false);
};

namespace {

template <class K>
K most_voted(const std::map<K, std::int64_t>& votes) {
  auto best = votes.begin();
  for (auto it = votes.begin(); it != votes.end(); ++it)
    if (it->second > best->second) best = it;
  return best->first;
}

std::int64_t total_votes(const auto& votes) {
  std::int64_t n = 0;
  for (const auto& [k, v] : votes) n += v;
  return n;
}


// The value at quantile q of sorted values, interpolated.
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const double pos = q * static_cast<double>(sorted.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(pos));
  const auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

}  // namespace

Step Synthesizer::Impl::build_step(std::size_t tid, const TemplateUse& use,
                                   const std::map<std::string, std::string>& slot_var, std::set<std::string>& env,
                                   bool verbatim) {
  const auto& t = templates[tid];
  const auto& ex = use.exemplar;
  Step s;
  s.method = t.method;
  s.name = t.stats_name;
  auto var_for_slot = [&](const std::string& slot) -> std::optional<std::string> {
    auto it = slot_var.find(slot);
    if (it == slot_var.end()) return std::nullopt;
    return it->second;
  };
  // Path: variables where the template has them; a value no variable took is kept as recorded.
  std::string path;
  for (std::size_t i = 0; i < t.segments.size(); ++i) {
    path += '/';
    if (!t.segments[i].empty()) {
      path += escape_braces(t.segments[i]);
      continue;
    }
    const auto slot = fmt::format("path:{}", i);
    if (auto v = var_for_slot(slot)) path += "{" + *v + "}";
    else path += escape_braces(ex.slot_values.count(slot) ? ex.slot_values.at(slot) : std::string("0"));
  }
  s.path = path.empty() ? "/" : path;
  for (const auto& [k, raw] : split_query(ex.query_raw)) {
    const auto value = url_decode(raw);
    if (auto v = var_for_slot("query:" + k)) s.query.emplace_back(url_decode(k), "{" + *v + "}");
    else if (is_redaction_marker(value)) {
      env.insert(env_name(k));
      s.query.emplace_back(url_decode(k), "{env." + env_name(k) + "}");
    } else s.query.emplace_back(url_decode(k), escape_braces(value));
  }
  for (const auto& [name, value] : ex.headers) {
    if (value.find("[redacted:") != std::string::npos) {  // a credential: the user supplies it
      env.insert(env_name(name));
      s.headers.emplace_back(name, "{env." + env_name(name) + "}");
    } else {
      s.headers.emplace_back(name, escape_braces(value));
    }
  }
  if (ex.json_body) {
    json::value body = *ex.json_body;
    std::function<void(json::value&, const std::string&, std::string_view)> walk =
        [&](json::value& v, const std::string& pointer, std::string_view name) {
          if (v.is_object()) {
            for (auto& [k, child] : v.as_object()) walk(child, pointer + "/" + pointer_token(k), std::string_view(k));
          } else if (v.is_array()) {
            auto& a = v.as_array();
            for (std::size_t i = 0; i < a.size(); ++i) walk(a[i], pointer + "/" + std::to_string(i), name);
          } else if (auto var = var_for_slot("body:" + pointer)) {
            v = json::string("{" + *var + "}");
          } else if (v.is_string()) {
            std::string_view text = v.as_string();
            if (is_redaction_marker(text)) {
              env.insert(env_name(name));
              v = json::string("{env." + env_name(name) + "}");
            } else if (is_message_field(name) && !verbatim) {
              v = json::string("{message}");
            } else {
              v = json::string(escape_braces(text));
            }
          }
        };
    walk(body, "", "");
    s.body = json::serialize(body);
    s.body_is_json = true;
  } else if (!ex.raw_body.empty() && valid_utf8(ex.raw_body)) {
    s.body = escape_braces(ex.raw_body);
  } else if (!ex.raw_body.empty()) {
    ++summary.binary_bodies;  // a model holds text: the step goes without its body
  }
  // Checks: the statuses seen below 400; the profile's body check; 429 is "Rate limited".
  for (const auto& [status, n] : use.statuses)
    if (status < 400 || verbatim) s.check.status.push_back(status);
  for (const auto& pc : options.profile.checks)
    if (pc.route.matches(t.method, s.path)) {
      s.check.json_any = pc.json_any;
      s.check.json_failure = pc.json_failure;
      break;
    }
  if (!verbatim || s.check.status != std::vector<int>{429}) s.check.named_failures[429] = "Rate limited";
  return s;
}

UserClass Synthesizer::Impl::build_class(ClassAcc& acc, ClassSummary& cs) {
  UserClass c;
  c.name = acc.name;
  cs.name = acc.name;
  cs.from_profile = acc.from_profile;
  cs.visitors = acc.visitors;
  cs.sessions = static_cast<std::int64_t>(acc.sessions.size());
  cs.requests = acc.requests;

  // Opening and closing steps: once per session at most, present in most sessions, and first
  // (last) in most of those.
  std::map<std::size_t, std::int64_t> in_sessions, once, first, last;
  std::map<std::size_t, double> position_sum;
  for (const auto& s : acc.sessions) {
    std::map<std::size_t, int> n;
    for (const auto& it : s.items) ++n[it.tid];
    for (const auto& [tid, count] : n) {
      ++in_sessions[tid];
      if (count == 1) ++once[tid];
    }
    if (!s.items.empty()) {
      ++first[s.items.front().tid];
      ++last[s.items.back().tid];
    }
    for (std::size_t i = 0; i < s.items.size(); ++i) position_sum[s.items[i].tid] += static_cast<double>(i);
  }
  const double sessions = static_cast<double>(acc.sessions.size());
  std::set<std::size_t> opening, closing;
  // Too few sessions to tell a habit from chance: then only a POST opens and only a DELETE closes.
  const bool few = acc.sessions.size() < kFewSessions;
  for (const auto& [tid, n] : in_sessions) {
    const bool single = once[tid] == n && n >= kOpenCloseShare * sessions;
    if (!single) continue;
    const auto& method = templates[tid].method;
    if (first[tid] >= kOpenCloseShare * static_cast<double>(n) && (!few || method == "POST")) opening.insert(tid);
    else if (last[tid] >= kOpenCloseShare * static_cast<double>(n) && (!few || method == "DELETE")) closing.insert(tid);
  }
  // A class needs tasks: if everything opens or closes, the closing steps become tasks, then the
  // opening ones.
  auto count_task_requests = [&] {
    std::int64_t n = 0;
    for (const auto& [tid, use] : acc.uses)
      if (!opening.count(tid) && !closing.count(tid)) n += use.requests;
    return n;
  };
  std::int64_t task_requests = count_task_requests();
  if (task_requests == 0) {
    closing.clear();
    task_requests = count_task_requests();
  }
  if (task_requests == 0) {
    opening.clear();
    task_requests = count_task_requests();
  }

  // Variables: each slot takes the name most of its values had; a name is extracted when most
  // of its values came from a response of a step this class has, else generated.
  std::map<std::size_t, std::map<std::string, std::string>> slot_vars;  // tid -> slot -> var
  std::set<std::string> vars_used;
  for (const auto& [tid, use] : acc.uses)
    for (const auto& [slot, names] : use.slot_names) {
      auto var = most_voted(names);
      slot_vars[tid][slot] = var;
      vars_used.insert(var);
    }
  std::map<std::size_t, std::vector<Extraction>> extractions;  // source tid -> its extractions
  std::set<std::string> dropped;  // generated values of no shape we can make: kept as recorded
  for (const auto& var : vars_used) {
    const auto ex = acc.extracted.count(var) ? total_votes(acc.extracted.at(var)) : 0;
    const auto gen = acc.generated.count(var) ? total_votes(acc.generated.at(var)) : 0;
    if (ex > gen && ex > 0) {
      auto src = most_voted(acc.extracted.at(var));
      if (!opening.count(src.tid)) {
        // Handed out by a task, which any other task may precede: the replay uses a recorded value.
        summary.notes.push_back(fmt::format("{}: {} comes from the response of {}, which is not a session-opening "
                                            "step; it is replayed with a value from the recording",
                                            acc.name, var, templates[src.tid].key));
        dropped.insert(var);
        continue;
      }
      Extraction e;
      e.var = var;
      if (src.header) {
        e.from = Extraction::From::header;
        e.header = src.where;
      } else {
        e.pointer = src.where;
      }
      extractions[src.tid].push_back(e);
      cs.extracted.push_back(var);
      continue;
    }
    auto g = generator_for(most_voted(acc.generated.at(var)));
    if (!g) {
      dropped.insert(var);
      continue;
    }
    c.variables[var] = *g;
    cs.generated.push_back(var);
  }
  for (auto& [tid, slots] : slot_vars)
    for (auto it = slots.begin(); it != slots.end();)
      it = dropped.count(it->second) ? slots.erase(it) : std::next(it);

  std::set<std::string> env;
  auto step_for = [&](std::size_t tid) {
    Step s = build_step(tid, acc.uses.at(tid), slot_vars[tid], env);
    if (auto it = extractions.find(tid); it != extractions.end()) s.extract = it->second;
    return s;
  };
  auto by_position = [&](const std::set<std::size_t>& tids) {
    std::vector<std::size_t> v(tids.begin(), tids.end());
    std::sort(v.begin(), v.end(), [&](auto a, auto b) {
      const double pa = position_sum[a] / static_cast<double>(in_sessions[a]);
      const double pb = position_sum[b] / static_cast<double>(in_sessions[b]);
      return pa != pb ? pa < pb : templates[a].key < templates[b].key;
    });
    return v;
  };
  for (auto tid : by_position(opening)) {
    c.on_start.push_back(step_for(tid));
    cs.on_start.push_back(templates[tid].key);
  }
  for (auto tid : by_position(closing)) {
    c.on_stop.push_back(step_for(tid));
    cs.on_stop.push_back(templates[tid].key);
  }
  std::vector<std::pair<std::size_t, std::int64_t>> tasks;
  for (const auto& [tid, use] : acc.uses)
    if (!opening.count(tid) && !closing.count(tid)) tasks.emplace_back(tid, use.requests);
  std::sort(tasks.begin(), tasks.end(), [&](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : templates[a.first].key < templates[b.first].key;
  });
  for (const auto& [tid, n] : tasks) {
    Task task;
    task.name = templates[tid].key;
    task.weight = std::max(round_to(static_cast<double>(n) / static_cast<double>(task_requests), 4), 1e-4);
    task.steps.push_back(step_for(tid));
    cs.tasks.emplace_back(templates[tid].key, static_cast<double>(n) / static_cast<double>(task_requests));
    c.tasks.push_back(std::move(task));
  }

  // Think time: from the end of one task's response to the next task's request.
  std::vector<double> gaps;
  for (const auto& s : acc.sessions)
    for (std::size_t i = 1; i < s.items.size(); ++i) {
      const auto& a = s.items[i - 1];
      const auto& b = s.items[i];
      if (opening.count(a.tid) || closing.count(a.tid) || opening.count(b.tid) || closing.count(b.tid)) continue;
      gaps.push_back(static_cast<double>(std::max<std::int64_t>(b.start_us - a.end_us, 0)) / 1e6);
    }
  std::sort(gaps.begin(), gaps.end());
  if (gaps.empty()) {
    c.think.kind = ThinkTime::Kind::constant;
    c.think.min_s = 1;
  } else {
    c.think.kind = ThinkTime::Kind::empirical;
    for (int i = 0; i < kThinkQuantiles; ++i)
      c.think.quantiles_s.push_back(round_to(quantile(gaps, i / static_cast<double>(kThinkQuantiles - 1)), 3));
    cs.think_s = {gaps.front(), quantile(gaps, 0.5), gaps.back()};
  }
  cs.env.assign(env.begin(), env.end());
  return c;
}

Synthesis Synthesizer::Impl::finish() {
  if (summary.exchanges == 0) throw UsageError("the recording holds no exchanges: nothing to synthesize from");
  if (summary.used == 0)
    throw UsageError(fmt::format("none of the {} exchanges has a response that can be modelled ({} WebSocket, {} "
                                 "without a response)",
                                 summary.exchanges, summary.websocket, summary.without_response));
  Synthesis out;
  out.model.name = options.name;
  out.model.description = options.description;
  summary.templates = static_cast<std::int64_t>(templates.size());
  if (options.verbatim) {
    // Sessions in the order they started; start times from the first one.
    std::stable_sort(verbatim_classes.begin(), verbatim_classes.end(),
                     [](const UserClass& a, const UserClass& b) { return a.start_s < b.start_s; });
    const double first = verbatim_classes.front().start_s;
    for (std::size_t i = 0; i < verbatim_classes.size(); ++i) {
      auto& c = verbatim_classes[i];
      c.name = fmt::format("session-{}", i + 1);
      c.start_s = round_to((c.start_s - first) / 1e6, 3);
    }
    out.model.verbatim = true;
    summary.verbatim = true;
    out.model.classes = std::move(verbatim_classes);
    out.model.messages = messages.empty() ? std::vector<std::string>{"Hello"} : messages;
    ClassSummary cs;
    cs.name = fmt::format("{} recorded sessions, replayed as they happened", out.model.classes.size());
    cs.visitors = summary.visitors;
    cs.sessions = summary.sessions;
    cs.requests = summary.used;
    cs.weight = 1;
    cs.env.assign(verbatim_env.begin(), verbatim_env.end());
    summary.classes.push_back(std::move(cs));
    out.model = parse_model(to_json(out.model), "the synthesized model");
    out.summary = summary;
    return out;
  }
  // Classes in the profile's order, then the others by name.
  std::vector<std::size_t> order(classes.size());
  std::iota(order.begin(), order.end(), 0);
  auto rank = [&](const ClassAcc& c) {
    for (std::size_t i = 0; i < options.profile.classes.size(); ++i)
      if (options.profile.classes[i].name == c.name) return i;
    return options.profile.classes.size();
  };
  std::sort(order.begin(), order.end(), [&](auto a, auto b) {
    const auto ra = rank(classes[a]), rb = rank(classes[b]);
    return ra != rb ? ra < rb : classes[a].name < classes[b].name;
  });
  for (auto i : order) {
    auto& acc = classes[i];
    if (acc.visitors == 0) continue;
    ClassSummary cs;
    UserClass c = build_class(acc, cs);
    c.weight = round_to(static_cast<double>(acc.visitors) / static_cast<double>(summary.visitors), 4);
    if (c.weight <= 0) c.weight = 1e-4;
    cs.weight = static_cast<double>(acc.visitors) / static_cast<double>(summary.visitors);
    if (!acc.from_profile)
      summary.notes.push_back(fmt::format("{} visitor(s) matched no class of profile \"{}\"; they form {}, named "
                                          "after the routes they used most",
                                          acc.visitors, options.profile.name, acc.name));
    out.model.classes.push_back(std::move(c));
    summary.classes.push_back(std::move(cs));
  }
  out.model.messages = messages;
  if (out.model.messages.empty()) out.model.messages.push_back("Hello");
  if (summary.websocket > 0)
    summary.notes.push_back(fmt::format("{} WebSocket exchange(s) were recorded; the model replays HTTP steps only",
                                        summary.websocket));
  if (summary.not_text > 0)
    summary.notes.push_back(fmt::format("{} exchange(s) whose method, path or query is not UTF-8 text were left out",
                                        summary.not_text));
  if (summary.binary_bodies > 0)
    summary.notes.push_back(fmt::format("{} step(s) had a binary request body, which a model cannot hold; they are "
                                        "replayed without it",
                                        summary.binary_bodies));
  if (summary.without_response > 0)
    summary.notes.push_back(fmt::format("{} exchange(s) got no response from the upstream and were left out",
                                        summary.without_response));
  // The model must be one the replayer takes: check it as a model file would be checked.
  out.model = parse_model(to_json(out.model), "the synthesized model");
  out.summary = summary;
  return out;
}

Synthesizer::Synthesizer(SynthesisOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Synthesizer::~Synthesizer() = default;

void Synthesizer::observe_path(std::string_view method, std::string_view path) {
  std::string key;
  key.reserve(method.size() + 1 + path.size());
  key.append(method).append(" ").append(path);
  impl_->paths.insert(std::move(key));
}

void Synthesizer::add_visitor(std::span<const store::ExchangeRow> rows) {
  if (!rows.empty()) impl_->add_visitor(rows);
}

Synthesis Synthesizer::finish() { return impl_->finish(); }

Synthesis synthesize(std::vector<store::ExchangeRow> rows, SynthesisOptions options) {
  Synthesizer s(std::move(options));
  for (const auto& r : rows) s.observe_path(r.method, r.path);
  std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    if (a.recording_id != b.recording_id) return a.recording_id < b.recording_id;
    if (a.visitor != b.visitor) return a.visitor < b.visitor;
    return a.started_us < b.started_us;
  });
  std::size_t begin = 0;
  for (std::size_t i = 1; i <= rows.size(); ++i)
    if (i == rows.size() || rows[i].visitor != rows[begin].visitor || rows[i].recording_id != rows[begin].recording_id) {
      s.add_visitor(std::span<const store::ExchangeRow>(rows.data() + begin, i - begin));
      begin = i;
    }
  return s.finish();
}

Synthesis synthesize_from_store(const store::Database& db, const std::vector<std::int64_t>& wanted,
                                SynthesisOptions options) {
  const auto known = store::recording_ids(db);
  if (known.empty()) throw UsageError(fmt::format("{} holds no recordings; record some traffic first (aria-harness record)", db.path()));
  std::vector<std::int64_t> ids = wanted.empty() ? known : wanted;
  for (auto id : ids)
    if (std::find(known.begin(), known.end(), id) == known.end())
      throw UsageError(fmt::format("{} has no recording {}; `aria-harness recordings --db {}` lists them", db.path(), id,
                                   db.path()));
  Synthesizer s(std::move(options));
  for (auto id : ids) store::for_each_method_path(db, id, [&](std::string_view m, std::string_view p) { s.observe_path(m, p); });
  for (auto id : ids) store::for_each_visitor(db, id, [&](std::span<const store::ExchangeRow> rows) { s.add_visitor(rows); });
  return s.finish();
}

std::string format_summary(const SynthesisSummary& s) {
  std::string out = fmt::format(
      "{} exchanges from {} visitor(s) in {} session(s); {} used, {} request templates\n", s.exchanges, s.visitors,
      s.sessions, s.used, s.templates);
  if (s.verbatim) {
    out += fmt::format("\nverbatim: {} session(s), each a class replayed once as it happened (replay --speed N "
                       "compresses the gaps, --users clones sessions with fresh ids)\n",
                       s.sessions);
    for (const auto& c : s.classes)
      if (!c.env.empty()) out += fmt::format("  from the environment at replay time: {}\n", fmt::join(c.env, ", "));
  }
  for (const auto& c : s.verbatim ? std::vector<ClassSummary>{} : s.classes) {
    out += fmt::format("\n{}{}  weight {:.3f}  ({} visitors, {} sessions, {} requests)\n", c.name,
                       c.from_profile ? "" : " (not in the profile)", c.weight, c.visitors, c.sessions, c.requests);
    if (c.think_s.size() == 3)
      out += fmt::format("  think time   min {:.2f} s  median {:.2f} s  max {:.2f} s\n", c.think_s[0], c.think_s[1],
                         c.think_s[2]);
    else
      out += "  think time   none seen (1 s assumed)\n";
    if (!c.on_start.empty()) out += fmt::format("  on_start     {}\n", fmt::join(c.on_start, ", "));
    if (!c.on_stop.empty()) out += fmt::format("  on_stop      {}\n", fmt::join(c.on_stop, ", "));
    std::size_t shown = 0;
    for (const auto& [name, share] : c.tasks) {
      if (shown++ == 8) {
        out += fmt::format("  ... and {} more tasks\n", c.tasks.size() - 8);
        break;
      }
      out += fmt::format("  task {:5.1f} %  {}\n", share * 100, name);
    }
    if (!c.generated.empty()) out += fmt::format("  generated    {}\n", fmt::join(c.generated, ", "));
    if (!c.extracted.empty()) out += fmt::format("  extracted    {}\n", fmt::join(c.extracted, ", "));
    if (!c.env.empty()) out += fmt::format("  from the environment at replay time: {}\n", fmt::join(c.env, ", "));
  }
  for (const auto& n : s.notes) out += fmt::format("\nnote: {}\n", n);
  return out;
}

}  // namespace aria::model
