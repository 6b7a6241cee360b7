#include "mock/state.hpp"

#include <algorithm>
#include <cctype>
#include <functional>

namespace aria::mock {
namespace {

bool contains_icase(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  auto it = std::search(hay.begin(), hay.end(), needle.begin(), needle.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
  return it != hay.end();
}

}  // namespace

SessionStore::Shard& SessionStore::shard(std::string_view id) {
  return shards_[std::hash<std::string_view>{}(id) % shards_.size()];
}
const SessionStore::Shard& SessionStore::shard(std::string_view id) const {
  return shards_[std::hash<std::string_view>{}(id) % shards_.size()];
}

bool SessionStore::create(Session session) {
  auto& s = shard(session.id);
  std::lock_guard lock(s.mutex);
  std::string key = session.id;
  return s.sessions.emplace(std::move(key), std::move(session)).second;
}

std::optional<Session> SessionStore::get(std::string_view id) const {
  auto& s = shard(id);
  std::lock_guard lock(s.mutex);
  auto it = s.sessions.find(std::string(id));
  if (it == s.sessions.end()) return std::nullopt;
  return it->second;
}

bool SessionStore::exists_open(std::string_view id) const {
  auto& s = shard(id);
  std::lock_guard lock(s.mutex);
  auto it = s.sessions.find(std::string(id));
  return it != s.sessions.end() && !it->second.ended;
}

AppendResult SessionStore::begin_turn(std::string_view id, const std::string& user_content, std::string model,
                                      std::chrono::steady_clock::duration dedupe_window) {
  auto& s = shard(id);
  std::lock_guard lock(s.mutex);
  auto it = s.sessions.find(std::string(id));
  if (it == s.sessions.end()) return AppendResult::missing;
  auto& sess = it->second;
  if (sess.ended) return AppendResult::ended;
  auto now = std::chrono::steady_clock::now();
  if (dedupe_window.count() > 0 && sess.last_user_content == user_content && now - sess.last_user_at < dedupe_window)
    return AppendResult::duplicate;
  sess.last_user_content = user_content;
  sess.last_user_at = now;
  Message m;
  m.id = std::to_string(sess.messages.size() + 1);
  m.role = "user";
  m.content = std::make_shared<const std::string>(user_content);
  m.model = std::move(model);
  sess.messages.push_back(std::move(m));
  if (sess.messages.size() > kHistoryCap) sess.messages.erase(sess.messages.begin());
  return AppendResult::ok;
}

bool SessionStore::add_reply(std::string_view id, Message reply) {
  auto& s = shard(id);
  std::lock_guard lock(s.mutex);
  auto it = s.sessions.find(std::string(id));
  if (it == s.sessions.end()) return false;
  it->second.messages.push_back(std::move(reply));
  if (it->second.messages.size() > kHistoryCap) it->second.messages.erase(it->second.messages.begin());
  return true;
}

bool SessionStore::end(std::string_view id) {
  auto& s = shard(id);
  std::lock_guard lock(s.mutex);
  auto it = s.sessions.find(std::string(id));
  if (it == s.sessions.end() || it->second.ended) return false;
  it->second.ended = true;
  s.ended.push_back(it->first);
  // Each shard keeps its share of the ended sessions; the oldest go first.
  const std::size_t kept = (kEndedKept + shards_.size() - 1) / shards_.size();
  while (s.ended.size() > kept) {
    s.sessions.erase(s.ended.front());
    s.ended.pop_front();
  }
  return true;
}

bool SessionStore::erase(std::string_view id) {
  auto& s = shard(id);
  std::lock_guard lock(s.mutex);
  return s.sessions.erase(std::string(id)) > 0;
}

std::vector<SessionStore::SearchHit> SessionStore::search(std::string_view query, std::size_t offset,
                                                          std::size_t limit, std::size_t& total) const {
  std::vector<SearchHit> hits;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    for (const auto& [id, sess] : s.sessions) {
      bool match = contains_icase(sess.title, query);
      for (std::size_t i = 0; !match && i < sess.messages.size(); ++i)
        if (sess.messages[i].role == "user") match = contains_icase(*sess.messages[i].content, query);
      if (match) hits.push_back({id, sess.title, sess.dialect, sess.ended, sess.created_at, sess.messages.size()});
    }
  }
  std::sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  total = hits.size();
  if (offset >= hits.size()) return {};
  auto first = hits.begin() + static_cast<std::ptrdiff_t>(offset);
  auto last = first + static_cast<std::ptrdiff_t>(std::min(limit, hits.size() - offset));
  return {std::make_move_iterator(first), std::make_move_iterator(last)};
}

std::size_t SessionStore::size() const {
  std::size_t n = 0;
  for (const auto& s : shards_) {
    std::lock_guard lock(s.mutex);
    n += s.sessions.size();
  }
  return n;
}

}  // namespace aria::mock
