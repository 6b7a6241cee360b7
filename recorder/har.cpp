#include "recorder/har.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>
#include <set>
#include <sstream>

#include <boost/beast/http/status.hpp>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/files.hpp"
#include "core/text.hpp"
#include "model/json_text.hpp"
#include "recorder/visitor.hpp"
#include "store/database.hpp"

namespace aria::recorder {
namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Bytes: base64 and UTF-8.

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    auto n = (std::uint32_t(std::uint8_t(in[i])) << 16) | (std::uint32_t(std::uint8_t(in[i + 1])) << 8) |
             std::uint8_t(in[i + 2]);
    out += kBase64[n >> 18];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
    out += kBase64[n & 63];
  }
  if (i < in.size()) {
    std::uint32_t n = std::uint32_t(std::uint8_t(in[i])) << 16;
    if (i + 1 < in.size()) n |= std::uint32_t(std::uint8_t(in[i + 1])) << 8;
    out += kBase64[n >> 18];
    out += kBase64[(n >> 12) & 63];
    out += i + 1 < in.size() ? kBase64[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Standard alphabet; whitespace is ignored and the padding may be left out.
std::optional<std::string> base64_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 4 * 3);
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t pad = 0;
  for (char c : in) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad) return std::nullopt;  // data after the padding
    const char* p = std::find(kBase64, kBase64 + 64, c);
    if (p == kBase64 + 64) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(p - kBase64);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  if (pad > 2 || bits >= 6) return std::nullopt;
  return out;
}


// ---------------------------------------------------------------------------------------------
// Times.

// "2024-05-01T12:00:00.123Z", "2009-07-24T19:20:30.45+01:00", "...+0100": unix microseconds.
std::optional<std::int64_t> parse_iso8601(std::string_view s) {
  std::size_t i = 0;
  auto number = [&](std::size_t digits, int& out) {
    if (i + digits > s.size()) return false;
    out = 0;
    for (std::size_t k = 0; k < digits; ++k) {
      char c = s[i + k];
      if (c < '0' || c > '9') return false;
      out = out * 10 + (c - '0');
    }
    i += digits;
    return true;
  };
  auto literal = [&](char c) {
    if (i < s.size() && s[i] == c) return ++i, true;
    return false;
  };
  int y, mo, d, h, mi, sec;
  if (!number(4, y) || !literal('-') || !number(2, mo) || !literal('-') || !number(2, d)) return std::nullopt;
  if (!literal('T') && !literal('t') && !literal(' ')) return std::nullopt;
  if (!number(2, h) || !literal(':') || !number(2, mi) || !literal(':') || !number(2, sec)) return std::nullopt;
  std::int64_t micros = 0;
  if (literal('.') || literal(',')) {
    std::size_t digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 6) micros = micros * 10 + (s[i] - '0');
      ++digits, ++i;
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t k = digits; k < 6; ++k) micros *= 10;
  }
  int offset_min = 0;
  if (literal('Z') || literal('z')) {
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    const int sign = s[i++] == '-' ? -1 : 1;
    int oh, om = 0;
    if (!number(2, oh)) return std::nullopt;
    if (i < s.size()) {
      literal(':');
      if (!number(2, om)) return std::nullopt;
    }
    if (oh > 23 || om > 59) return std::nullopt;
    offset_min = sign * (oh * 60 + om);
  } else {
    return std::nullopt;  // ISO 8601 without an offset is local time: whose?
  }
  if (i != s.size()) return std::nullopt;
  using namespace std::chrono;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  const auto seconds_since_epoch = sys_days{ymd}.time_since_epoch() + hours{h} + minutes{mi} + seconds{sec} -
                                   minutes{offset_min};
  return duration_cast<microseconds>(seconds_since_epoch).count() + micros;
}

std::int64_t ms_to_us(double ms) { return static_cast<std::int64_t>(std::llround(ms * 1000.0)); }
double us_to_ms(std::int64_t us) { return static_cast<double>(us) / 1000.0; }

// ---------------------------------------------------------------------------------------------
// Redaction that leaves values already redacted alone: a HAR exported from a store comes back with
// its markers as they were (hashing a marker again hides nothing and would break the round trip).

// Redactor::marker(): "[redacted:" + 16 hex digits + "]".
constexpr std::size_t kMarkerSize = 27;

bool is_marker(std::string_view v) {
  if (v.size() != kMarkerSize || !v.starts_with("[redacted:") || v.back() != ']') return false;
  return std::all_of(v.begin() + 10, v.end() - 1, [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
}

std::string redact_header(const Redactor& r, std::string_view name, std::string_view value) {
  return is_marker(value) ? std::string(value) : r.header_value(name, value);
}

std::string redact_query(const Redactor& r, std::string_view q) {
  std::string out;
  std::size_t i = 0;
  while (i <= q.size()) {
    auto amp = q.find('&', i);
    if (amp == std::string_view::npos) amp = q.size();
    auto pair = q.substr(i, amp - i);
    auto eq = pair.find('=');
    out += eq != std::string_view::npos && is_marker(pair.substr(eq + 1)) ? std::string(pair) : r.query(pair);
    if (amp < q.size()) out += '&';
    i = amp + 1;
  }
  return out;
}

std::string redact_body(const Redactor& r, std::string_view content_type, std::string_view body) {
  auto out = r.body(content_type, body);
  // Markers already in the body were hashed again (as JSON strings with their quotes, or as form
  // values): put the originals back.
  std::set<std::string> markers;
  for (auto at = body.find("[redacted:"); at != std::string_view::npos; at = body.find("[redacted:", at + 1))
    if (is_marker(body.substr(at, kMarkerSize))) markers.emplace(body.substr(at, kMarkerSize));
  for (const auto& m : markers) {
    for (const auto& rehashed : {r.marker("\"" + m + "\""), r.marker(m)}) {
      for (auto at = out.find(rehashed); at != std::string::npos; at = out.find(rehashed, at + m.size()))
        out.replace(at, rehashed.size(), m);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reading: every member checked, and a problem named by its JSON path.

std::string kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_: return "a number";
    case json::kind::string: return "a string";
    case json::kind::array: return "an array";
    case json::kind::object: return "an object";
  }
  return "a value";
}

class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  [[noreturn]] void fail(const std::string& path, std::string_view what) const {
    throw UsageError(fmt::format("{}: {}: {}", source_, path, what));
  }

  const json::value* find(const json::object& o, std::string_view key) const { return o.if_contains(key); }
  static std::string member(const std::string& path, std::string_view key) {
    return path.empty() ? std::string(key) : path + "." + std::string(key);
  }
  const json::value& need(const json::object& o, std::string_view key, const std::string& path) const {
    auto* v = o.if_contains(key);
    if (!v) fail(member(path, key), "missing");
    return *v;
  }

  const json::object& object(const json::value& v, const std::string& path) const {
    if (!v.is_object()) fail(path, "must be an object (got " + kind_of(v) + ")");
    return v.get_object();
  }
  const json::array& array(const json::value& v, const std::string& path) const {
    if (!v.is_array()) fail(path, "must be an array (got " + kind_of(v) + ")");
    return v.get_array();
  }
  std::string_view string(const json::value& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "must be a string (got " + kind_of(v) + ")");
    return v.get_string();
  }
  double number(const json::value& v, const std::string& path) const {
    if (!v.is_number()) fail(path, "must be a number (got " + kind_of(v) + ")");
    return v.to_number<double>();
  }
  bool boolean(const json::value& v, const std::string& path) const {
    if (!v.is_bool()) fail(path, "must be true or false (got " + kind_of(v) + ")");
    return v.get_bool();
  }

  const json::object& need_object(const json::object& o, std::string_view key, const std::string& path) const {
    return object(need(o, key, path), member(path, key));
  }
  const json::array& need_array(const json::object& o, std::string_view key, const std::string& path) const {
    return array(need(o, key, path), member(path, key));
  }
  std::string_view need_string(const json::object& o, std::string_view key, const std::string& path) const {
    return string(need(o, key, path), member(path, key));
  }
  double need_number(const json::object& o, std::string_view key, const std::string& path) const {
    return number(need(o, key, path), member(path, key));
  }
  std::optional<std::string_view> opt_string(const json::object& o, std::string_view key, const std::string& path) const {
    auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    return string(*v, member(path, key));
  }
  std::optional<double> opt_number(const json::object& o, std::string_view key, const std::string& path) const {
    auto* v = o.if_contains(key);
    if (!v || v->is_null()) return std::nullopt;
    return number(*v, member(path, key));
  }

  // [{name, value}, ...] as name/value pairs.
  RawHeaders pairs(const json::object& o, std::string_view key, const std::string& path) const {
    RawHeaders out;
    const auto& a = need_array(o, key, path);
    for (std::size_t i = 0; i < a.size(); ++i) {
      auto p = fmt::format("{}.{}[{}]", path, key, i);
      const auto& item = object(a[i], p);
      out.emplace_back(std::string(need_string(item, "name", p)), std::string(need_string(item, "value", p)));
    }
    return out;
  }

  // The bytes of a text that may be base64 ("encoding": "base64").
  std::string text_bytes(const json::object& o, const std::string& path) const {
    auto text = opt_string(o, "text", path);
    auto encoding = opt_string(o, "encoding", path);
    if (!text) return {};
    if (!encoding || encoding->empty()) return std::string(*text);
    if (lower(*encoding) != "base64")
      fail(path + ".encoding", fmt::format("must be \"base64\" when present (got \"{}\")", *encoding));
    auto bytes = base64_decode(*text);
    if (!bytes) fail(path + ".text", "not valid base64, though encoding is \"base64\"");
    return *bytes;
  }

 private:
  std::string source_;
};

std::string_view header_of(const RawHeaders& headers, std::string_view name) {
  for (const auto& [k, v] : headers)
    if (lower(k) == lower(name)) return v;
  return {};
}

std::string headers_json(const RawHeaders& headers, const Redactor& r) {
  json::array out;
  for (const auto& [name, value] : headers) {
    if (name.starts_with(':')) continue;  // HTTP/2 pseudo-headers are not headers of an HTTP/1.1 replay
    out.push_back(json::array{json::string(name), json::string(redact_header(r, name, value))});
  }
  return json::serialize(out);
}

// "HTTP/1.1" -> "1.1", "h2" / "HTTP/2.0" -> "2": as the store keeps it.
std::string store_http_version(std::string_view v) {
  auto s = lower(v);
  if (s.starts_with("http/")) s = s.substr(5);
  if (s == "h2" || s == "h2c" || s == "2.0") return "2";
  if (s == "h3" || s == "3.0") return "3";
  if (s.empty() || s == "unknown") return "1.1";
  return s;
}

struct Url {
  std::string scheme, host, path, query;
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Import.

ParsedHar parse_har(std::string_view text, std::string_view source, const Redactor& redactor) {
  Reader rd(source);
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a byte order mark, as some tools write
  json::stream_parser parser;
  boost::system::error_code ec;
  const auto consumed = parser.write(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    const auto before = text.substr(0, std::min(consumed, text.size()));
    const auto line = std::count(before.begin(), before.end(), '\n') + 1;
    const auto nl = before.rfind('\n');
    const auto column = before.size() - (nl == std::string_view::npos ? 0 : nl + 1) + 1;
    throw UsageError(fmt::format("{}: not JSON (line {}, column {}): {}", source, line, column, ec.message()));
  }
  const json::value doc = parser.release();

  ParsedHar out;
  auto& sum = out.summary;
  sum.source = std::string(source);
  const auto& root = rd.object(doc, "(document)");
  const auto& log = rd.need_object(root, "log", "");
  auto version = rd.need_string(log, "version", "log");
  if (version != "1.2" && version != "1.1")
    rd.fail("log.version", fmt::format("must be \"1.2\" or \"1.1\" (got \"{}\")", version));
  if (auto* creator = rd.find(log, "creator")) {
    const auto& c = rd.object(*creator, "log.creator");
    sum.creator = fmt::format("{} {}", rd.opt_string(c, "name", "log.creator").value_or("?"),
                              rd.opt_string(c, "version", "log.creator").value_or(""));
  }
  if (auto* browser = rd.find(log, "browser")) {
    const auto& b = rd.object(*browser, "log.browser");
    sum.browser = fmt::format("{} {}", rd.opt_string(b, "name", "log.browser").value_or("?"),
                              rd.opt_string(b, "version", "log.browser").value_or(""));
  }
  const auto& entries = rd.need_array(log, "entries", "log");
  sum.entries = entries.size();
  const std::string fallback_visitor = "har:" + fs::path(std::string(source)).filename().string();
  const VisitorRule credential_rule;  // Authorization or X-API-Key
  std::map<std::int64_t, std::int64_t> seq_by_connection;
  std::map<std::string, std::size_t> origins;
  std::set<std::string> visitors;

  for (std::size_t i = 0; i < entries.size(); ++i) {
    const auto path = fmt::format("log.entries[{}]", i);
    const auto& e = rd.object(entries[i], path);
    store::ExchangeRow row;

    // Every member is checked first, so a bad file is refused whatever it holds.
    auto started_text = rd.need_string(e, "startedDateTime", path);
    auto started = parse_iso8601(started_text);
    if (!started)
      rd.fail(path + ".startedDateTime",
              fmt::format("must be an ISO 8601 date and time with an offset, like 2024-05-01T12:00:00.123Z (got \"{}\")",
                          started_text));
    const double time = rd.need_number(e, "time", path);
    const auto rpath = path + ".request";
    const auto& req = rd.need_object(e, "request", path);
    auto method = rd.need_string(req, "method", rpath);
    if (method.empty()) rd.fail(rpath + ".method", "must not be empty");
    auto url = rd.need_string(req, "url", rpath);
    auto http_version = rd.need_string(req, "httpVersion", rpath);
    auto request_headers = rd.pairs(req, "headers", rpath);
    rd.pairs(req, "queryString", rpath);  // checked; the URL's own query is what is stored
    std::optional<double> request_body_size = rd.opt_number(req, "bodySize", rpath);
    std::string request_body;
    std::string request_type(header_of(request_headers, "Content-Type"));
    bool has_post_data = false;
    if (auto* pd = rd.find(req, "postData")) {
      const auto& post = rd.object(*pd, rpath + ".postData");
      auto mime = rd.need_string(post, "mimeType", rpath + ".postData");
      if (!mime.empty()) request_type = std::string(mime);
      request_body = rd.text_bytes(post, rpath + ".postData");
      has_post_data = true;
    }

    const auto spath = path + ".response";
    const json::object* res = nullptr;
    if (auto* r = rd.find(e, "response"); r && !r->is_null()) res = &rd.object(*r, spath);
    std::optional<double> status;
    RawHeaders response_headers;
    std::string response_body, response_type;
    std::optional<double> content_size;
    std::optional<std::string> response_error;
    if (res) {
      status = rd.need_number(*res, "status", spath);
      if (*status > 0 && (*status != std::floor(*status) || *status > 999))
        rd.fail(spath + ".status", fmt::format("must be an HTTP status such as 200, or 0 for none (got {})", *status));
      response_headers = rd.pairs(*res, "headers", spath);
      const auto& content = rd.need_object(*res, "content", spath);
      content_size = rd.need_number(content, "size", spath + ".content");
      response_type = std::string(rd.opt_string(content, "mimeType", spath + ".content").value_or(""));
      if (response_type.empty() || response_type == "x-unknown")
        response_type = std::string(header_of(response_headers, "Content-Type"));
      response_body = rd.text_bytes(content, spath + ".content");
      for (auto key : {"_error", "_failureText"})  // Chrome's and Playwright's reason for no response
        if (auto* why = res->if_contains(key); why && why->is_string() && !why->get_string().empty())
          response_error = std::string(why->get_string());
    }

    const auto tpath = path + ".timings";
    const auto& timings = rd.need_object(e, "timings", path);
    // The first byte came after blocked + dns + connect + send + wait (ssl is part of connect);
    // -1 is HAR's "does not apply".
    double ttfb_ms = 0;
    bool ttfb_known = false;
    auto add_phase = [&](std::optional<double> v) {
      if (v && *v >= 0) ttfb_ms += *v, ttfb_known = true;
    };
    for (auto key : {"blocked", "dns", "connect", "send"}) add_phase(rd.opt_number(timings, key, tpath));
    add_phase(rd.need_number(timings, "wait", tpath));
    rd.need_number(timings, "receive", tpath);
    rd.opt_number(timings, "ssl", tpath);

    std::int64_t connection_id = 0;
    if (auto* c = rd.find(e, "connection")) {
      if (c->is_string()) {
        const auto& s = c->get_string();
        if (!s.empty() && s.size() < 19 && std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
          connection_id = std::stoll(std::string(s));
      } else if (c->is_int64() || c->is_uint64()) {
        connection_id = c->to_number<std::int64_t>();
      }
    }

    // aria-harness's own extension, written by export-har.
    const json::object* aria = nullptr;
    if (auto* a = rd.find(e, "_aria")) aria = &rd.object(*a, path + "._aria");
    const auto apath = path + "._aria";
    auto aria_bool = [&](std::string_view key) {
      auto* v = aria ? aria->if_contains(key) : nullptr;
      return v && rd.boolean(*v, apath + "." + std::string(key));
    };

    // Chrome's WebSocket extension: the handshake is imported, its messages are not (yet).
    const auto* messages = rd.find(e, "_webSocketMessages");
    const auto* type = rd.find(e, "_resourceType");
    if ((messages && messages->is_array()) || (type && type->is_string() && type->get_string() == "websocket")) {
      ++sum.websocket_entries;
      if (messages && messages->is_array()) sum.websocket_messages += messages->get_array().size();
    }

    // The URL: scheme://[userinfo@]authority[/path][?query][#fragment].
    Url u;
    {
      auto sep = url.find("://");
      auto colon = url.find(':');
      if (sep == std::string_view::npos || colon < sep) {
        auto scheme = colon == std::string_view::npos ? std::string_view() : url.substr(0, colon);
        const bool named = !scheme.empty() && std::all_of(scheme.begin(), scheme.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
        });
        if (!named) rd.fail(rpath + ".url", fmt::format("must be an absolute URL (got \"{}\")", url.substr(0, 200)));
        ++sum.skipped, ++sum.skip_reasons[lower(scheme) + ": URL, not HTTP"];
        continue;
      }
      u.scheme = lower(url.substr(0, sep));
      if (u.scheme != "http" && u.scheme != "https" && u.scheme != "ws" && u.scheme != "wss") {
        ++sum.skipped, ++sum.skip_reasons[u.scheme + ": URL, not HTTP"];
        continue;
      }
      auto rest = url.substr(sep + 3);
      rest = rest.substr(0, rest.find('#'));
      auto authority_end = rest.find_first_of("/?");
      auto authority = rest.substr(0, authority_end);
      if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);  // credentials
      u.host = std::string(authority);
      auto target = authority_end == std::string_view::npos ? std::string_view() : rest.substr(authority_end);
      auto qmark = target.find('?');
      u.path = std::string(target.substr(0, qmark));
      if (u.path.empty()) u.path = "/";
      if (qmark != std::string_view::npos) u.query = std::string(target.substr(qmark + 1));
    }
    if (auto* cached = rd.find(e, "_fromCache"); cached && !cached->is_null() && !(cached->is_bool() && !cached->get_bool())) {
      ++sum.skipped, ++sum.skip_reasons["served from the browser's cache (_fromCache), never reached the server"];
      continue;
    }

    row.started_us = *started;
    if (!aria_bool("timeUnknown") && time >= 0) row.total_us = ms_to_us(time);
    if (!aria_bool("ttfbUnknown") && ttfb_known) row.ttfb_us = ms_to_us(ttfb_ms);
    row.method = std::string(method);
    row.scheme = u.scheme;
    row.host = u.host;
    row.path = u.path;
    row.query = redact_query(redactor, u.query);
    row.http_version = store_http_version(http_version);
    row.request_headers = headers_json(request_headers, redactor);
    row.request_body_size = std::max<std::int64_t>(static_cast<std::int64_t>(request_body.size()),
                                                   request_body_size ? static_cast<std::int64_t>(*request_body_size) : 0);
    row.request_body_truncated = aria ? aria_bool("requestTruncated")
                                      : has_post_data && static_cast<std::int64_t>(request_body.size()) < row.request_body_size;
    row.request_body = redact_body(redactor, request_type, request_body);
    if (status && *status > 0) {
      row.status = static_cast<std::int64_t>(*status);
    } else {
      row.error = res ? "no response (status 0 in the HAR)" : "no response in the HAR";
    }
    if (response_error) row.error = response_error;
    row.response_headers = headers_json(response_headers, redactor);
    row.response_body_size = std::max<std::int64_t>(static_cast<std::int64_t>(response_body.size()),
                                                    content_size ? static_cast<std::int64_t>(*content_size) : 0);
    row.response_body_truncated =
        aria ? aria_bool("responseTruncated") : static_cast<std::int64_t>(response_body.size()) < row.response_body_size;
    row.response_body = redact_body(redactor, response_type, response_body);

    row.connection_id = connection_id;
    std::optional<std::string_view> aria_visitor, aria_client;
    std::optional<double> aria_seq;
    if (aria) {
      aria_visitor = rd.opt_string(*aria, "visitor", apath);
      aria_client = rd.opt_string(*aria, "client", apath);
      aria_seq = rd.opt_number(*aria, "seq", apath);
    }
    row.seq = aria_seq ? static_cast<std::int64_t>(*aria_seq) : ++seq_by_connection[connection_id];
    row.client_addr = std::string(aria_client.value_or(""));
    if (aria_visitor && !aria_visitor->empty()) {
      row.visitor = std::string(*aria_visitor);
    } else {
      // The credential rule, as the recorder applies it; without a credential, one visitor per file.
      row.visitor = identify_visitor(credential_rule, request_headers, 0, redactor);
      if (row.visitor.starts_with("connection:")) row.visitor = fallback_visitor;
    }
    visitors.insert(row.visitor);
    ++origins[u.scheme + "://" + u.host];
    sum.bytes += row.request_body_size + row.response_body_size;
    out.rows.push_back(std::move(row));
  }

  sum.exchanges = out.rows.size();
  sum.visitors = visitors.size();
  if (out.rows.empty()) {
    std::string why;
    for (const auto& [reason, n] : sum.skip_reasons) why += fmt::format("; {} skipped: {}", n, reason);
    throw UsageError(fmt::format("{}: log.entries: no HTTP exchange to import ({} entries{})", source, sum.entries, why));
  }
  sum.started_us = std::min_element(out.rows.begin(), out.rows.end(), [](const auto& a, const auto& b) {
                     return a.started_us < b.started_us;
                   })->started_us;
  sum.upstream = std::max_element(origins.begin(), origins.end(), [](const auto& a, const auto& b) {
                   return a.second < b.second;
                 })->first;
  return out;
}

HarImportSummary import_har(const HarImportOptions& o) {
  if (o.db_path.empty()) throw UsageError("--db FILE is required: the SQLite store the recording goes to");
  if (o.db_path == ":memory:") throw UsageError("--db must be a file: a recording has to outlive the import");
  std::ifstream in(o.har_path, std::ios::binary);
  if (!in || fs::is_directory(o.har_path))
    throw UsageError(fmt::format("{}: cannot read the HAR file: {}", o.har_path,
                                 fs::exists(o.har_path) ? "not a readable file" : "no such file"));
  std::stringstream text;
  text << in.rdbuf();

  // A key of its own for this import, as the recorder draws one per recording.
  std::string key;
  std::random_device rd;
  for (int i = 0; i < 4; ++i) key += fmt::format("{:08x}", rd());
  Redactor redactor(key);
  for (const auto& h : o.redact_headers) redactor.add_header(h);
  for (const auto& f : o.redact_fields) redactor.add_field(f);
  auto parsed = parse_har(text.str(), o.har_path, redactor);

  // Everything is checked: only now is the store opened.
  store::Database db(o.db_path);
  store::Database::Transaction tx(db);
  store::RecordingStart start;
  start.label = o.label;
  start.source = "har";
  start.upstream = parsed.summary.upstream;
  start.visitor_rule = VisitorRule{}.describe();
  json::array rh, rf;
  for (const auto& h : o.redact_headers) rh.emplace_back(h);
  for (const auto& f : o.redact_fields) rf.emplace_back(f);
  start.config = json::serialize(json::object{{"har", fs::path(o.har_path).filename().string()},
                                              {"creator", parsed.summary.creator},
                                              {"browser", parsed.summary.browser},
                                              {"entries", parsed.summary.entries},
                                              {"skipped", parsed.summary.skipped},
                                              {"websocket_messages_ignored", parsed.summary.websocket_messages},
                                              {"redact_headers", rh},
                                              {"redact_fields", rf},
                                              {"tool", "aria-harness 0.1.0"}});
  start.started_us = parsed.summary.started_us;
  const auto id = store::begin_recording(db, start);
  for (auto& row : parsed.rows) row.recording_id = id;
  store::insert_exchanges(db, parsed.rows);
  store::RecordingEnd end;
  end.exchanges = static_cast<std::int64_t>(parsed.rows.size());
  end.bytes = parsed.summary.bytes;
  store::end_recording(db, id, end);
  tx.commit();
  parsed.summary.recording_id = id;
  return parsed.summary;
}

std::string format_import_summary(const HarImportSummary& s, std::string_view db_path) {
  std::string out = fmt::format("aria-harness import-har: recording {} in {} from {}", s.recording_id, db_path, s.source);
  if (!s.creator.empty() || !s.browser.empty())
    out += fmt::format(" ({}{}{})", s.creator, !s.creator.empty() && !s.browser.empty() ? ", " : "", s.browser);
  out += fmt::format("\n  {} entries: {} exchanges imported, {} skipped\n", s.entries, s.exchanges, s.skipped);
  for (const auto& [reason, n] : s.skip_reasons) out += fmt::format("    {} skipped: {}\n", n, reason);
  out += fmt::format("  {} visitors (by credential, else one per file); secrets redacted; {:.1f} KB of bodies; "
                     "started {}\n",
                     s.visitors, static_cast<double>(s.bytes) / 1e3, iso8601_utc(s.started_us));
  if (s.websocket_entries)
    out += fmt::format("  {} WebSocket connections imported as their handshakes; their {} messages "
                       "(_webSocketMessages) were not imported\n",
                       s.websocket_entries, s.websocket_messages);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Export.

namespace {

json::array har_headers(const std::string& stored, std::int64_t exchange_id) {
  boost::system::error_code ec;
  auto v = json::parse(stored, ec);
  if (ec || !v.is_array())
    throw RuntimeFailure(fmt::format("exchange {}: its stored headers are not a JSON array of pairs", exchange_id));
  json::array out;
  for (const auto& pair : v.get_array()) {
    const auto* p = pair.if_array();
    if (!p || p->size() != 2 || !(*p)[0].is_string() || !(*p)[1].is_string())
      throw RuntimeFailure(fmt::format("exchange {}: its stored headers are not a JSON array of pairs", exchange_id));
    out.push_back(json::object{{"name", (*p)[0]}, {"value", (*p)[1]}});
  }
  return out;
}

std::string header_in(const json::array& headers, std::string_view name) {
  for (const auto& h : headers) {
    const auto& o = h.get_object();
    if (lower(o.at("name").get_string()) == lower(name)) return std::string(o.at("value").get_string());
  }
  return {};
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
               std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return valid_utf8(out) ? out : std::string(s);
}

json::array query_string(std::string_view q) {
  json::array out;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto pair = q.substr(0, amp);
    auto eq = pair.find('=');
    if (!pair.empty())
      out.push_back(json::object{{"name", percent_decode(pair.substr(0, eq))},
                                 {"value", eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1))}});
    if (amp == std::string_view::npos) break;
    q.remove_prefix(amp + 1);
  }
  return out;
}

// text, and encoding "base64" when the bytes are not UTF-8 (JSON strings hold text only).
void put_body(json::object& o, const std::string& bytes, HarExportSummary& sum) {
  if (valid_utf8(bytes)) {
    o["text"] = bytes;
  } else {
    o["text"] = base64_encode(bytes);
    o["encoding"] = "base64";
    ++sum.base64_bodies;
  }
}

std::string truncated_comment(std::size_t stored, std::int64_t size) {
  return fmt::format("truncated by the aria-harness recorder: the first {} of {} bytes were stored", stored, size);
}

}  // namespace

std::string har_document(const store::RecordingListing& rec, std::span<const store::ExchangeRow> rows,
                         std::string_view tool_version, HarExportSummary* summary) {
  HarExportSummary local;
  auto& sum = summary ? *summary : local;
  json::array entries;
  for (const auto& r : rows) {
    auto request_headers = har_headers(r.request_headers, r.id);
    auto response_headers = har_headers(r.response_headers, r.id);
    const std::string version = "HTTP/" + r.http_version;

    json::object request{{"method", r.method},
                         {"url", r.scheme + "://" + r.host + r.path + (r.query.empty() ? "" : "?" + r.query)},
                         {"httpVersion", version},
                         {"cookies", json::array()},  // the cookies are in the (redacted) Cookie header
                         {"headers", request_headers},
                         {"queryString", query_string(r.query)},
                         {"headersSize", -1},
                         {"bodySize", r.request_body_size}};
    if (!r.request_body.empty() || r.request_body_size > 0) {
      json::object post{{"mimeType", header_in(request_headers, "Content-Type")}};
      put_body(post, r.request_body, sum);
      if (r.request_body_truncated) {
        post["comment"] = truncated_comment(r.request_body.size(), r.request_body_size);
        ++sum.truncated_bodies;
      }
      request["postData"] = std::move(post);
    }

    auto content_type = header_in(response_headers, "Content-Type");
    json::object content{{"size", r.response_body_size}, {"mimeType", content_type.empty() ? "x-unknown" : content_type}};
    if (!r.response_body.empty()) put_body(content, r.response_body, sum);
    if (r.response_body_truncated) {
      content["comment"] = truncated_comment(r.response_body.size(), r.response_body_size);
      ++sum.truncated_bodies;
    }
    const std::int64_t status = r.status.value_or(0);
    json::object response{
        {"status", status},
        {"statusText", r.status ? std::string(boost::beast::http::obsolete_reason(
                                      boost::beast::http::int_to_status(static_cast<unsigned>(status))))
                                : std::string()},
        {"httpVersion", r.status ? version : std::string()},
        {"cookies", json::array()},
        {"headers", response_headers},
        {"content", std::move(content)},
        {"redirectURL", header_in(response_headers, "Location")},
        {"headersSize", -1},
        {"bodySize", r.status ? r.response_body_size : -1}};
    if (response.at("statusText").get_string() == "<unknown-status>") response["statusText"] = "";
    if (r.error) response["_error"] = *r.error;  // as Chrome names it

    // HAR's timings add up to time; the recorder knows the first byte and the last.
    const std::int64_t total = r.total_us.value_or(0);
    const std::int64_t ttfb = r.ttfb_us.value_or(0);
    json::object timings{{"blocked", -1}, {"dns", -1},   {"connect", -1},
                         {"send", 0},     {"wait", us_to_ms(ttfb)}, {"receive", us_to_ms(std::max<std::int64_t>(0, total - ttfb))},
                         {"ssl", -1}};
    json::object aria{{"visitor", r.visitor}, {"client", r.client_addr}, {"seq", r.seq}};
    if (!r.ttfb_us) aria["ttfbUnknown"] = true;
    if (!r.total_us) aria["timeUnknown"] = true;
    if (r.request_body_truncated) aria["requestTruncated"] = true;
    if (r.response_body_truncated) aria["responseTruncated"] = true;

    entries.push_back(json::object{{"startedDateTime", iso8601_utc(r.started_us)},
                                   {"time", us_to_ms(total)},
                                   {"request", std::move(request)},
                                   {"response", std::move(response)},
                                   {"cache", json::object()},
                                   {"timings", std::move(timings)},
                                   {"connection", std::to_string(r.connection_id)},
                                   {"_aria", std::move(aria)}});
  }
  sum.entries = rows.size();
  json::object log{
      {"version", "1.2"},
      {"creator", json::object{{"name", "aria-harness"}, {"version", tool_version}}},
      {"pages", json::array()},
      {"entries", std::move(entries)},
      {"comment", fmt::format("aria-harness recording {}{} ({}{}{}), started {}; secrets were redacted when it was "
                              "recorded; _aria holds what HAR has no field for",
                              rec.id, rec.label.empty() ? "" : " '" + rec.label + "'", rec.source,
                              rec.upstream.empty() ? "" : " of ", rec.upstream, rec.started_at)}};
  return model::format_json(json::object{{"log", std::move(log)}}, 2) + "\n";
}

HarExportSummary export_har(const HarExportOptions& o) {
  if (o.out_path.empty()) throw UsageError("-o FILE is required: where the HAR goes");
  if (!fs::exists(o.db_path))
    throw UsageError(fmt::format("no store at {}: give the --db file the recording is in", o.db_path));
  require_folder_of("-o", o.out_path);
  store::Database::Options options;
  options.create = false;
  store::Database db(o.db_path, options);
  auto list = store::list_recordings(db);
  auto rec = std::find_if(list.begin(), list.end(), [&](const auto& r) { return r.id == o.recording_id; });
  if (rec == list.end()) {
    std::string ids;
    for (const auto& r : list) ids += (ids.empty() ? "" : ", ") + std::to_string(r.id);
    throw UsageError(fmt::format("--recording {}: no such recording in {} ({}); `aria-harness recordings --db {}` "
                                 "lists them",
                                 o.recording_id, o.db_path, ids.empty() ? "it has none" : "it has " + ids, o.db_path));
  }
  auto rows = store::load_exchanges(db, o.recording_id);
  HarExportSummary sum;
  const auto text = har_document(*rec, rows, o.tool_version, &sum);

  write_file_atomically(o.out_path, text, "HAR file");
  sum.file_bytes = text.size();
  return sum;
}

}  // namespace aria::recorder
