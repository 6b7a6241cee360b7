#include "mock/content.hpp"

#include <fmt/format.h>

namespace aria::mock {
namespace {

constexpr std::string_view kWords[] = {
    "agent",  "skill",    "session", "memory",  "goal",    "schedule", "research", "model",
    "tokens", "pipeline", "context", "insight", "summary", "workflow", "health",   "latency",
};

// Deterministic filler text: the same bytes on every start, so sizes are stable.
std::string words(std::uint64_t seed, std::size_t count) {
  std::string out;
  std::uint64_t x = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  for (std::size_t i = 0; i < count; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    if (i) out += ' ';
    out += kWords[(x >> 33) % std::size(kWords)];
  }
  return out;
}

std::string make_page(std::string_view path, std::string_view title, std::size_t target_bytes) {
  std::string html = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Aria Blue - {}</title>\n"
      "<style>body{{font-family:sans-serif;margin:0}}table{{border-collapse:collapse;width:100%}}"
      "td,th{{border:1px solid #ddd;padding:4px}}</style></head>\n<body><nav><a href=\"/dashboard\">Dashboard</a> "
      "<a href=\"/agents\">Agents</a> <a href=\"/skills\">Skills</a> <a href=\"/sessions\">Sessions</a> "
      "<a href=\"/schedule\">Schedule</a> <a href=\"/status\">Status</a> <a href=\"/goals\">Goals</a></nav>\n"
      "<main data-page=\"{}\"><h1>{}</h1>\n<table><thead><tr><th>#</th><th>Name</th><th>State</th><th>Detail</th>"
      "</tr></thead><tbody>\n",
      title, path, title);
  const std::string tail = "</tbody></table></main></body></html>\n";
  for (std::uint64_t row = 1;; ++row) {
    auto tr = fmt::format("<tr><td>{}</td><td>{}-{}</td><td>{}</td><td>{}</td></tr>\n", row, title, row,
                          row % 7 ? "active" : "idle", words(row + target_bytes, 12));
    if (html.size() + tr.size() + tail.size() > target_bytes) break;
    html += tr;
  }
  return html + tail;
}

std::string make_reply(std::uint64_t seed, std::size_t target_chars) {
  std::string md = fmt::format("## Answer {}\n\nHere is what I found.\n\n", seed);
  for (std::uint64_t part = 1; md.size() < target_chars; ++part) {
    md += fmt::format("### Point {}\n\n{}.\n\n- {}\n- {}\n\n```python\nresult_{} = run(\"{}\")\n```\n\n", part,
                      words(seed * 31 + part, 40), words(seed * 37 + part, 8), words(seed * 41 + part, 8), part,
                      words(seed + part, 2));
  }
  md.resize(target_chars);
  return md;
}

}  // namespace

Content::Content() {
  struct Spec {
    const char* path;
    const char* title;
    std::size_t bytes;
  };
  // Sizes span the 40-125 KB that Aria's dashboard pages weigh (KB of 1,000 bytes).
  constexpr Spec specs[] = {
      {"/dashboard", "Dashboard", 125'000}, {"/agents", "Agents", 64'000},
      {"/skills", "Skills", 96'000},        {"/sessions", "Sessions", 80'000},
      {"/schedule", "Schedule", 48'000},    {"/status", "Status", 41'000},
      {"/goals", "Goals", 56'000},          {"/health/dashboard", "Health", 44'000},
  };
  for (const auto& s : specs) pages_.push_back({s.path, s.title, make_page(s.path, s.title, s.bytes)});

  // 32 replies from 2,500 to 9,000 characters.
  constexpr std::size_t kReplies = 32;
  for (std::size_t i = 0; i < kReplies; ++i) {
    std::size_t chars = 2500 + (6500 * i) / (kReplies - 1);
    replies_.push_back(std::make_shared<const std::string>(make_reply(i + 1, chars)));
  }
}

const Page* Content::page(std::string_view path) const {
  for (const auto& p : pages_)
    if (p.path == path) return &p;
  return nullptr;
}

std::shared_ptr<const std::string> Content::reply(std::uint64_t pick) const {
  return replies_[pick % replies_.size()];
}

}  // namespace aria::mock
