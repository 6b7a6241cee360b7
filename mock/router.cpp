#include "mock/router.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>

#include "core/clock.hpp"
#include "core/ids.hpp"

namespace aria::mock {
namespace json = boost::json;
using std::chrono::microseconds;

namespace {

constexpr std::string_view kVersion = "aria-mock/0.1";
constexpr std::string_view kModel = "mock-llm";
constexpr auto kDedupeWindow = std::chrono::seconds(5);

Response json_response(Route route, int status, const json::value& v) {
  Response r;
  r.route = route;
  r.status = status;
  r.body = json::serialize(v);
  return r;
}

Response detail(Route route, int status, std::string_view text) {
  return json_response(route, status, json::object{{"detail", text}});
}

bool is_write(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

// Keys compared in constant time so a timing probe learns nothing of the configured key.
bool same_secret(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

// The first address in X-Forwarded-For, else the peer.
std::string_view client_of(const Request& r) {
  auto xff = r.forwarded_for;
  if (auto comma = xff.find(','); comma != std::string_view::npos) xff = xff.substr(0, comma);
  while (!xff.empty() && xff.front() == ' ') xff.remove_prefix(1);
  while (!xff.empty() && xff.back() == ' ') xff.remove_suffix(1);
  return xff.empty() ? r.peer_ip : xff;
}

// Splits "/a/b/c" into its segments.
std::vector<std::string_view> segments(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') { ++i; continue; }
    auto j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

// A query parameter's decoded value, or `fallback`.
std::string query_param(std::string_view query, std::string_view key, std::string_view fallback = "") {
  auto parsed = boost::urls::parse_query(query);
  if (!parsed) return std::string(fallback);
  auto decode = [](boost::urls::pct_string_view s) {
    std::string out;
    for (char c : *s) out += c == '+' ? ' ' : c;  // form encoding: '+' is a space
    return out;
  };
  for (auto p : *parsed)
    if (decode(p.key) == key) return p.has_value ? decode(p.value) : std::string();
  return std::string(fallback);
}

// Parses a body that must be a JSON object; nullopt (and `why`) otherwise.
std::optional<json::object> parse_object(std::string_view body, std::string& why) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec) {
    why = fmt::format("body is not valid JSON: {}", ec.message());
    return std::nullopt;
  }
  if (!v.is_object()) {
    why = "body must be a JSON object";
    return std::nullopt;
  }
  return std::move(v.as_object());
}

std::string string_field(const json::object& o, std::string_view key, std::string_view fallback = "") {
  auto it = o.find(key);
  if (it == o.end() || !it->value().is_string()) return std::string(fallback);
  return std::string(it->value().as_string());
}

bool bool_field(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_bool() && it->value().as_bool();
}

// FastAPI's shape for a body that fails validation.
Response unprocessable(Route route, std::string_view field, std::string_view msg) {
  json::array loc{"body"};
  if (!field.empty()) loc.emplace_back(field);
  return json_response(route, 422,
                       json::object{{"detail", json::array{json::object{{"loc", loc}, {"msg", msg}, {"type", "value_error"}}}}});
}

std::string hex8(Rng& rng) { return fmt::format("{:08x}", static_cast<std::uint32_t>(rng())); }

int estimate_tokens(std::size_t chars) { return static_cast<int>((chars + 3) / 4); }

std::string precompute_agents() {
  json::array agents;
  const char* names[] = {"aria", "researcher", "coder", "planner", "analyst", "scheduler"};
  int i = 0;
  for (auto* n : names)
    agents.push_back(json::object{{"id", n}, {"name", n}, {"status", i++ % 5 ? "idle" : "busy"},
                                  {"model", kModel}, {"skills", 4 + i}});
  return json::serialize(json::object{{"agents", agents}, {"count", agents.size()}});
}

std::string precompute_skills() {
  json::array skills;
  const char* names[] = {"web_search", "code_runner", "calendar", "memory", "summarizer",
                         "market_data", "weather",    "health",   "goals",  "files"};
  for (auto* n : names)
    skills.push_back(json::object{{"name", n}, {"status", std::string_view(n) == "weather" ? "degraded" : "healthy"},
                                  {"version", "1.0.0"}});
  return json::serialize(
      json::object{{"skills", skills}, {"count", skills.size()}, {"healthy", 9}, {"degraded", 1}, {"unavailable", 0}});
}

std::string precompute_models() {
  json::array models;
  for (auto* n : {"mock-llm", "mock-llm-large", "mock-embedder"})
    models.push_back(json::object{{"id", n}, {"provider", "mock"}, {"context_window", 128000}});
  return json::serialize(json::object{{"models", models}, {"default", kModel}});
}

std::string precompute_status() {
  json::object o;
  for (auto* s : {"api", "database", "llm", "scheduler", "websocket"})
    o[s] = json::object{{"status", "up"}, {"code", 200}};
  return json::serialize(o);
}

json::object message_json(const Message& m, std::string_view session_id) {
  return json::object{{"id", m.id},
                      {"session_id", session_id},
                      {"role", m.role},
                      {"content", std::string_view(*m.content)},
                      {"model", m.model},
                      {"created_at", m.created_at}};
}

}  // namespace

Router::Router(Options options)
    : options_(std::move(options)),
      metrics_(options_.threads + 1),
      agents_json_(precompute_agents()),
      skills_json_(precompute_skills()),
      models_json_(precompute_models()),
      status_json_(precompute_status()),
      started_(std::chrono::steady_clock::now()) {
  if (options_.rate_limit) limiter_ = std::make_unique<RateLimiter>(*options_.rate_limit);
}

double Router::uptime_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

microseconds Router::draw_llm_latency(Rng& rng) const {
  const auto& llm = options_.llm;
  if (llm.profile == LlmLatency::Profile::realistic) {
    // Real LLM turns take 40-85 s: a log-normal around 55 s, clamped to that range.
    std::lognormal_distribution<double> d(std::log(55.0), 0.2);
    return microseconds(static_cast<std::int64_t>(std::clamp(d(rng), 40.0, 85.0) * 1e6));
  }
  auto j = llm.jitter.count();
  auto offset = j > 0 ? std::uniform_int_distribution<std::int64_t>(-j, j)(rng) : 0;
  return microseconds(std::max<std::int64_t>(0, llm.median.count() + offset));
}

Response Router::handle(const Request& request, Rng& rng) {
  auto parsed = boost::urls::parse_origin_form(request.target);
  if (!parsed) return detail(Route::bad_request, 400, "Malformed request target");
  std::string path = parsed->path();  // percent-decoded
  // A copy: Boost.URL 1.81 reads the last parameter past the end of a view that is not followed
  // by a NUL, as Beast's header storage is not.
  const std::string query(parsed->encoded_query());
  if (path.size() > 1 && path.back() == '/') path.pop_back();

  Response res = dispatch(request, path, query, rng);
  if (res.status < 400 && options_.faults.any() && res.route != Route::metrics) {
    std::uniform_real_distribution<double> u(0, 1);
    const auto& f = options_.faults;
    if (f.error_rate > 0 && u(rng) < f.error_rate) {
      auto route = res.route;
      res = detail(route, 500, "Internal Server Error (injected fault)");
    }
    if (f.drop_rate > 0 && u(rng) < f.drop_rate) res.drop = true;
  }
  res.delay += options_.faults.added_latency;
  return res;
}

Response Router::dispatch(const Request& req, std::string_view path, std::string_view query, Rng& rng) {
  const auto seg = segments(path);
  const auto& m = req.method;
  // Nothing when the method fits the route (HEAD fits GET); else the 405 to send.
  auto only = [&](std::string_view method) -> std::optional<Response> {
    if (m == method || (method == "GET" && m == "HEAD")) return std::nullopt;
    return detail(Route::method_not_allowed, 405, "Method Not Allowed");
  };

  // Dashboard pages (served by the Flask side, no API key).
  if (const Page* page = content_.page(path)) {
    auto idx = static_cast<std::size_t>(page - content_.pages().data());
    auto route = static_cast<Route>(static_cast<std::size_t>(Route::page_dashboard) + idx);
    if (auto r = only("GET")) return *r;
    Response res;
    res.route = route;
    res.content_type = "text/html; charset=utf-8";
    res.body = page->html;
    return res;
  }

  const bool api = path.starts_with("/api/") || path.starts_with("/ws/");
  const bool open = path == "/api/health" || path == "/api/status";
  if (api && !open && options_.api_key) {
    std::string_view presented = req.api_key;
    std::string from_query;
    if (presented.empty() && path.starts_with("/ws/")) {
      from_query = query_param(query, "api_key");
      presented = from_query;
    }
    if (presented.empty() || !same_secret(presented, *options_.api_key))
      return detail(Route::unauthorized, 401, "Invalid or missing API key");
  }
  if (limiter_ && is_write(m) && api) {
    if (auto wait = limiter_->acquire(client_of(req)); wait > 0) {
      auto res = detail(Route::rate_limited, 429, "Rate limit exceeded: burst_exceeded");
      res.retry_after = wait;
      return res;
    }
  }

  if (path == "/metrics") {
    if (auto r = only("GET")) return *r;
    Response res;
    res.route = Route::metrics;
    res.content_type = "text/plain; version=0.0.4; charset=utf-8";
    res.body = metrics_.render(uptime_seconds());
    return res;
  }
  if (path == "/api/health") {
    if (auto r = only("GET")) return *r;
    Response res;
    res.route = Route::health;
    res.body = fmt::format(R"({{"status":"healthy","uptime_seconds":{:.3f},"database":"connected","version":"{}"}})",
                           uptime_seconds(), kVersion);
    return res;
  }
  auto fixed = [&](Route route, const std::string& body) {
    if (auto r = only("GET")) return *r;
    Response res;
    res.route = route;
    res.body = body;
    return res;
  };
  if (path == "/api/status") return fixed(Route::api_status, status_json_);
  if (path == "/api/agents") return fixed(Route::agents, agents_json_);
  if (path == "/api/skills") return fixed(Route::skills, skills_json_);
  if (path == "/api/models") return fixed(Route::models, models_json_);

  // Seed dialect: /api/sessions..., /api/chat
  if (path == "/api/chat") {
    if (auto r = only("POST")) return *r;
    return chat_seed(req, rng);
  }
  if (path == "/api/sessions/search") {
    if (auto r = only("GET")) return *r;
    return search_seed(query);
  }
  if (path == "/api/sessions") {
    if (auto r = only("POST")) return *r;
    std::string why;
    auto body = parse_object(req.body, why);
    if (!body) return unprocessable(Route::sessions_create, "", why);
    Session s;
    s.dialect = Dialect::seed;
    s.id = string_field(*body, "session_id");
    if (s.id.empty()) s.id = "session-" + hex8(rng) + hex8(rng);
    s.title = string_field(*body, "title", "Untitled");
    s.created_at = iso8601_now();
    json::object out{{"session_id", s.id}, {"title", s.title}, {"created_at", s.created_at}};
    if (!sessions_.create(std::move(s))) return detail(Route::sessions_create, 409, "Session already exists");
    return json_response(Route::sessions_create, 201, out);
  }
  if (seg.size() >= 3 && seg[0] == "api" && seg[1] == "sessions") {
    std::string id(seg[2]);
    if (seg.size() == 3) {
      if (auto r = only("DELETE")) return *r;
      if (!sessions_.erase(id)) return detail(Route::sessions_delete, 404, "Session not found");
      return json_response(Route::sessions_delete, 200, json::object{{"status", "deleted"}, {"session_id", id}});
    }
    if (seg.size() == 4 && seg[3] == "history") {
      if (auto r = only("GET")) return *r;
      return history(id, query);
    }
  }

  // Engine dialect
  if (path == "/api/engine/chat/sessions") {
    if (auto r = only("POST")) return *r;
    return engine_create(req, rng);
  }
  if (path == "/api/engine/sessions") {
    if (auto r = only("GET")) return *r;
    return engine_search(query);
  }
  if (seg.size() >= 5 && seg[0] == "api" && seg[1] == "engine" && seg[2] == "chat" && seg[3] == "sessions") {
    std::string id(seg[4]);
    if (seg.size() == 5) {
      if (auto r = only("DELETE")) return *r;
      if (!sessions_.end(id)) return detail(Route::engine_session_end, 404, "Session not found or already ended");
      return json_response(Route::engine_session_end, 200, json::object{{"status", "ended"}, {"session_id", id}});
    }
    if (seg.size() == 6 && seg[5] == "messages") {
      if (m == "POST") return engine_message(req, id, rng);
      if (auto r = only("GET")) return *r;
      return engine_messages(id);
    }
  }

  // WebSocket chat
  if (seg.size() == 3 && seg[0] == "ws" && seg[1] == "chat") {
    if (!req.websocket_upgrade) return detail(Route::ws_chat, 426, "Upgrade Required: connect with WebSocket");
    if (!sessions_.exists_open(seg[2])) return detail(Route::ws_chat, 404, "Session not found or ended");
    Response res;
    res.route = Route::ws_chat;
    res.status = 101;
    res.upgrade = true;
    res.session_id = std::string(seg[2]);
    return res;
  }
  return detail(Route::not_found, 404, "Not Found");
}

Response Router::chat_seed(const Request& req, Rng& rng) {
  std::string why;
  auto body = parse_object(req.body, why);
  if (!body) return unprocessable(Route::chat, "", why);
  auto content = string_field(*body, "content");
  auto session_id = string_field(*body, "session_id");
  if (content.empty()) return unprocessable(Route::chat, "content", "field required");
  if (session_id.empty()) return unprocessable(Route::chat, "session_id", "field required");
  switch (sessions_.begin_turn(session_id, content, std::string(kModel), {})) {
    case AppendResult::ok: break;
    case AppendResult::duplicate:  // no dedupe in this dialect
    case AppendResult::missing:
    case AppendResult::ended: return detail(Route::chat, 404, "Session not found");
  }
  std::uniform_real_distribution<double> u(0, 1);
  if (options_.faults.llm_error_rate > 0 && u(rng) < options_.faults.llm_error_rate) {
    auto res = json_response(Route::chat, 200, json::object{{"error", "LLM provider error: upstream timeout"},
                                                            {"session_id", session_id}});
    res.delay = draw_llm_latency(rng);
    return res;
  }
  auto reply = content_.reply(rng());
  Message m{hex8(rng) + hex8(rng), "assistant", reply, std::string(kModel), iso8601_now()};
  auto message_id = m.id;
  sessions_.add_reply(session_id, std::move(m));
  auto res = json_response(Route::chat, 200,
                           json::object{{"content", std::string_view(*reply)},
                                        {"session_id", session_id},
                                        {"message_id", message_id},
                                        {"model", kModel},
                                        {"usage", json::object{{"input_tokens", estimate_tokens(content.size())},
                                                               {"output_tokens", estimate_tokens(reply->size())}}}});
  res.delay = draw_llm_latency(rng);
  return res;
}

Response Router::history(std::string_view id, std::string_view query) {
  auto s = sessions_.get(id);
  if (!s) return detail(Route::sessions_history, 404, "Session not found");
  std::size_t limit = 20;
  auto text = query_param(query, "limit", "20");
  std::from_chars(text.data(), text.data() + text.size(), limit);
  limit = std::clamp<std::size_t>(limit, 1, SessionStore::kHistoryCap);
  json::array messages;
  auto first = s->messages.size() > limit ? s->messages.size() - limit : 0;
  for (auto i = first; i < s->messages.size(); ++i) messages.push_back(message_json(s->messages[i], s->id));
  return json_response(Route::sessions_history, 200,
                       json::object{{"session_id", s->id}, {"messages", messages}, {"total", s->messages.size()}});
}

Response Router::search_seed(std::string_view query) {
  auto q = query_param(query, "q");
  std::size_t total = 0;
  auto hits = sessions_.search(q, 0, 20, total);
  json::array results;
  for (const auto& h : hits)
    results.push_back(json::object{
        {"session_id", h.id}, {"title", h.title}, {"created_at", h.created_at}, {"message_count", h.messages}});
  return json_response(Route::sessions_search, 200, json::object{{"query", q}, {"results", results}, {"total", total}});
}

Response Router::engine_create(const Request& req, Rng& rng) {
  json::object body;
  if (!req.body.empty()) {
    std::string why;
    auto parsed = parse_object(req.body, why);
    if (!parsed) return unprocessable(Route::engine_session_create, "", why);
    body = std::move(*parsed);
  }
  Session s;
  s.dialect = Dialect::engine;
  s.id = make_uuid4(rng);
  s.agent_id = string_field(body, "agent_id", "aria");
  s.model = string_field(body, "model", kModel);
  s.session_type = string_field(body, "session_type", "interactive");
  s.title = string_field(body, "title", "New chat");
  s.created_at = iso8601_now();
  json::object out{{"id", s.id},
                   {"agent_id", s.agent_id},
                   {"model", s.model},
                   {"status", "active"},
                   {"session_type", s.session_type},
                   {"title", s.title},
                   {"created_at", s.created_at}};
  sessions_.create(std::move(s));
  return json_response(Route::engine_session_create, 201, out);
}

Response Router::engine_message(const Request& req, std::string_view id, Rng& rng) {
  constexpr auto route = Route::engine_message_post;
  std::string why;
  auto body = parse_object(req.body, why);
  if (!body) return unprocessable(route, "", why);
  auto it = body->find("content");
  if (it == body->end()) return unprocessable(route, "content", "field required");
  if (!it->value().is_string() || it->value().as_string().empty())
    return unprocessable(route, "content", "must be a non-empty string");
  std::string content(it->value().as_string());
  auto session = sessions_.get(id);
  std::string model = session ? session->model : std::string(kModel);
  switch (sessions_.begin_turn(id, content, model, kDedupeWindow)) {
    case AppendResult::ok: break;
    case AppendResult::missing:
    case AppendResult::ended: return detail(route, 404, "Session not found or ended");
    case AppendResult::duplicate: return detail(route, 404, "Duplicate message: the same content was sent within 5 s");
  }
  auto latency = draw_llm_latency(rng);
  std::uniform_real_distribution<double> u(0, 1);
  if (options_.faults.llm_error_rate > 0 && u(rng) < options_.faults.llm_error_rate) {
    auto res = detail(route, 502, "LLM provider error: upstream timeout");
    res.delay = latency;
    return res;
  }
  auto reply = content_.reply(rng());
  Message m{make_uuid4(rng), "assistant", reply, model, iso8601_now()};
  auto message_id = m.id;
  sessions_.add_reply(id, std::move(m));
  int in = estimate_tokens(content.size()), out = estimate_tokens(reply->size());
  json::value thinking = nullptr;
  if (bool_field(*body, "enable_thinking")) thinking = "Considering the question and the session so far.";
  auto res = json_response(route, 200,
                           json::object{{"message_id", message_id},
                                        {"session_id", id},
                                        {"content", std::string_view(*reply)},
                                        {"thinking", thinking},
                                        {"tool_calls", json::array{}},
                                        {"tool_results", json::array{}},
                                        {"model", model},
                                        {"input_tokens", in},
                                        {"output_tokens", out},
                                        {"total_tokens", in + out},
                                        {"cost_usd", (in * 0.5 + out * 1.5) / 1e6},
                                        {"latency_ms", latency.count() / 1000},
                                        {"finish_reason", "stop"}});
  res.delay = latency;
  return res;
}

Response Router::engine_messages(std::string_view id) {
  auto s = sessions_.get(id);
  if (!s) return detail(Route::engine_messages_get, 404, "Session not found");
  json::array messages;
  for (const auto& m : s->messages) messages.push_back(message_json(m, s->id));
  return json_response(Route::engine_messages_get, 200, json::object{{"messages", messages}});
}

Response Router::engine_search(std::string_view query) {
  auto number = [&](std::string_view key, std::int64_t fallback, std::int64_t lo, std::int64_t hi) -> std::optional<std::int64_t> {
    auto text = query_param(query, key);
    if (text.empty()) return fallback;
    std::int64_t v = 0;
    auto res = std::from_chars(text.data(), text.data() + text.size(), v);
    if (res.ec != std::errc{} || res.ptr != text.data() + text.size() || v < lo || v > hi) return std::nullopt;
    return v;
  };
  auto limit = number("limit", 20, 1, 100);
  auto offset = number("offset", 0, 0, 1'000'000'000);
  if (!limit || !offset)
    return json_response(Route::engine_search, 422,
                         json::object{{"detail", "limit must be 1-100 and offset a non-negative integer"}});
  std::size_t total = 0;
  auto hits = sessions_.search(query_param(query, "search"), static_cast<std::size_t>(*offset),
                               static_cast<std::size_t>(*limit), total);
  json::array list;
  for (const auto& h : hits)
    list.push_back(json::object{{"id", h.id},
                                {"title", h.title},
                                {"status", h.ended ? "ended" : "active"},
                                {"created_at", h.created_at},
                                {"message_count", h.messages}});
  bool more = static_cast<std::size_t>(*offset) + hits.size() < total;
  return json_response(Route::engine_search, 200,
                       json::object{{"sessions", list}, {"total", total}, {"limit", *limit}, {"offset", *offset},
                                    {"has_more", more}});
}

std::vector<WsFrame> Router::websocket_turn(std::string_view session_id, std::string_view client_text, Rng& rng) {
  auto error = [](std::string_view message) {
    return std::vector<WsFrame>{
        WsFrame{microseconds(0), json::serialize(json::object{{"type", "error"}, {"message", message}})}};
  };
  boost::system::error_code ec;
  auto v = json::parse(client_text, ec);
  if (ec || !v.is_object()) return error("Invalid message: expected a JSON object");
  const auto& o = v.as_object();
  auto type = string_field(o, "type");
  if (type == "ping") return {{microseconds(0), R"({"type":"pong"})"}};
  if (type != "message") return error("Unknown message type: expected \"message\" or \"ping\"");
  auto content = string_field(o, "content");
  if (content.empty()) return error("Message content must be a non-empty string");
  if (sessions_.begin_turn(session_id, content, std::string(kModel), {}) != AppendResult::ok)
    return error("Session not found or ended");

  auto latency = draw_llm_latency(rng);
  std::uniform_real_distribution<double> u(0, 1);
  if (options_.faults.llm_error_rate > 0 && u(rng) < options_.faults.llm_error_rate) {
    auto frames = error("LLM provider error: upstream timeout");
    frames[0].delay = latency;
    return frames;
  }
  auto reply = content_.reply(rng());
  auto message_id = make_uuid4(rng);
  sessions_.add_reply(session_id, Message{message_id, "assistant", reply, std::string(kModel), iso8601_now()});

  // Half the latency before the first token, the rest spread over the chunks.
  constexpr std::size_t kChunk = 512;
  std::size_t chunks = (reply->size() + kChunk - 1) / kChunk;
  std::vector<WsFrame> frames;
  frames.push_back({microseconds(0), json::serialize(json::object{{"type", "stream_start"}, {"session_id", session_id},
                                                                  {"message_id", message_id}})});
  auto first = latency / 2;
  auto per_chunk = chunks ? (latency - first) / static_cast<std::int64_t>(chunks) : microseconds(0);
  for (std::size_t i = 0; i < chunks; ++i) {
    auto piece = std::string_view(*reply).substr(i * kChunk, kChunk);
    frames.push_back({i == 0 ? first : per_chunk, json::serialize(json::object{{"type", "content"}, {"content", piece}})});
  }
  int in = estimate_tokens(content.size()), out = estimate_tokens(reply->size());
  frames.push_back({microseconds(0), json::serialize(json::object{{"type", "stream_end"},
                                                                  {"message_id", message_id},
                                                                  {"finish_reason", "stop"},
                                                                  {"model", kModel},
                                                                  {"tokens_input", in},
                                                                  {"tokens_output", out},
                                                                  {"cost", (in * 0.5 + out * 1.5) / 1e6}})});
  return frames;
}

}  // namespace aria::mock
